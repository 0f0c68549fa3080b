//! The lab against clients nobody here wrote: ffprobe (RTSP + MJPEG/RTP), curl (web UI
//! Basic/Digest) and the npm `onvif` client (ONVIF with WS-Security).

mod common;

use common::{
    curl_status, device, require_node_clients, require_tool, run, start, with_creds, TOOL_DEADLINE,
};
use std::net::Ipv4Addr;

/// ffprobe a URL (over RTSP/TCP when `tcp`); Ok((codec, width, height)) or Err(stderr).
async fn ffprobe(url: &str, tcp: bool) -> Result<(String, u64, u64), String> {
    let tcp_args: &[&str] = if tcp {
        &["-rtsp_transport", "tcp"]
    } else {
        &[]
    };
    common::ffprobe(url, tcp_args).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ffprobe_decodes_anonymous_stream_over_tcp_and_udp() {
    if !require_tool(
        "ffprobe",
        "ffprobe_decodes_anonymous_stream_over_tcp_and_udp",
    ) {
        return;
    }
    let lab = start(
        "[[device]]\nid = \"open\"\npersonality = \"generic_onvif\"\nrtsp_auth = \"none\"\n",
        Ipv4Addr::new(127, 77, 1, 1),
    )
    .await;
    let d = device(&lab, "open");
    assert_eq!(d.rtsp_auth, "none");
    let main = &d.stream_urls[0];
    let sub = &d.stream_urls[1];
    assert!(main.ends_with("/live") && sub.ends_with("/live_sub"));
    assert_eq!(
        ffprobe(main, true).await,
        Ok(("mjpeg".to_string(), 1280, 720))
    );
    assert_eq!(
        ffprobe(sub, false).await,
        Ok(("mjpeg".to_string(), 640, 360)),
        "default (UDP) transport"
    );
    let missing = main.replace("/live", "/nonexistent");
    let err = ffprobe(&missing, true).await.expect_err("unknown path");
    assert!(err.contains("404"), "{err}");
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ffprobe_digest_right_credentials_tcp_and_udp_wrong_refused() {
    if !require_tool(
        "ffprobe",
        "ffprobe_digest_right_credentials_tcp_and_udp_wrong_refused",
    ) {
        return;
    }
    let lab = start(
        "seed = 5\n[[device]]\nid = \"hik\"\npersonality = \"hikvision\"\ndefault_password = \"changed\"\nrtsp_auth = \"digest\"\n",
        Ipv4Addr::new(127, 77, 2, 1),
    )
    .await;
    let d = device(&lab, "hik");
    assert_ne!(d.password, "12345");
    let url = &d.stream_urls[0];
    assert!(url.ends_with("/Streaming/Channels/101"));
    let good = with_creds(url, &d.username, &d.password);
    assert_eq!(ffprobe(&good, true).await, Ok(("mjpeg".into(), 1280, 720)));
    let sub = with_creds(&d.stream_urls[1], &d.username, &d.password);
    assert_eq!(ffprobe(&sub, false).await, Ok(("mjpeg".into(), 640, 360)));
    let wrong = with_creds(url, &d.username, "12345");
    let err = ffprobe(&wrong, true)
        .await
        .expect_err("wrong password refused");
    assert!(err.contains("401"), "{err}");
    let err = ffprobe(url, true).await.expect_err("anonymous refused");
    assert!(err.contains("401"), "{err}");
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ffprobe_basic_right_credentials_accepted_wrong_refused() {
    if !require_tool(
        "ffprobe",
        "ffprobe_basic_right_credentials_accepted_wrong_refused",
    ) {
        return;
    }
    let lab = start(
        "[[device]]\nid = \"dh\"\npersonality = \"dahua\"\nrtsp_auth = \"basic\"\n",
        Ipv4Addr::new(127, 77, 3, 1),
    )
    .await;
    let d = device(&lab, "dh");
    assert_eq!(
        (d.username.as_str(), d.password.as_str()),
        ("admin", "admin")
    );
    let url = &d.stream_urls[0];
    assert!(
        url.ends_with("/cam/realmonitor?channel=1&subtype=0"),
        "{url}"
    );
    let good = with_creds(url, "admin", "admin");
    assert_eq!(ffprobe(&good, true).await, Ok(("mjpeg".into(), 1280, 720)));
    assert_eq!(ffprobe(&good, false).await, Ok(("mjpeg".into(), 1280, 720)));
    let err = ffprobe(&with_creds(url, "admin", "nimda"), true)
        .await
        .expect_err("wrong password refused");
    assert!(err.contains("401"), "{err}");
    lab.shutdown().await;
}

/// curl the web UI with `extra` arguments: (status, headers+body).
async fn curl(url: &str, extra: &[&str]) -> (u16, String) {
    let mut args = vec!["-i"];
    args.extend_from_slice(extra);
    args.push(url);
    curl_status(&args).await.unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_digest_and_basic_log_in_to_web_ui() {
    if !require_tool("curl", "curl_digest_and_basic_log_in_to_web_ui") {
        return;
    }
    let lab = start(
        concat!(
            "[[device]]\nid = \"hik\"\npersonality = \"hikvision\"\nweb_auth = \"digest\"\n",
            "[[device]]\nid = \"gen\"\npersonality = \"generic_onvif\"\npassword = \"S3cret-pass\"\nweb_auth = \"basic\"\n",
        ),
        Ipv4Addr::new(127, 77, 4, 1),
    )
    .await;
    let hik = device(&lab, "hik");
    let url = format!("http://{}:{}/", hik.address, hik.ports["http"]);
    let (code, text) = curl(&url, &[]).await;
    assert_eq!(code, 401);
    assert!(text.contains("Server: App-webs/"), "{text}");
    let realm_prefix = "WWW-Authenticate: Digest realm=\"IP Camera(";
    assert!(text.contains(realm_prefix), "{text}");
    let tag = &hik.serial[hik.serial.len() - 5..];
    assert!(text.contains(&format!("IP Camera({tag})")), "{text}");
    let (code, text) = curl(&url, &["--digest", "-u", "admin:12345"]).await;
    assert_eq!(code, 200, "{text}");
    assert!(text.contains("<title>Login</title>"), "{text}");
    let (code, _) = curl(&url, &["--digest", "-u", "admin:54321"]).await;
    assert_eq!(code, 401);
    let (code, _) = curl(&url, &["--basic", "-u", "admin:12345"]).await;
    assert_eq!(code, 401, "digest device refuses Basic");

    let gen = device(&lab, "gen");
    let url = format!("http://{}:{}/", gen.address, gen.ports["http"]);
    let (code, text) = curl(&url, &[]).await;
    assert_eq!(code, 401);
    assert!(text.contains("Server: GoAhead-Webs"), "{text}");
    assert!(
        text.contains("WWW-Authenticate: Basic realm=\"GoAhead\""),
        "{text}"
    );
    let (code, text) = curl(&url, &["--basic", "-u", "admin:S3cret-pass"]).await;
    assert_eq!(code, 200);
    assert!(text.contains("<title>IPCAM</title>"), "{text}");
    let (code, _) = curl(&url, &["--basic", "-u", "admin:"]).await;
    assert_eq!(code, 401);
    let (code, text) = curl(&format!("{url}favicon.ico"), &[]).await;
    assert_eq!(code, 200);
    assert!(text.contains("Content-Type: image/x-icon"), "{text}");
    lab.shutdown().await;
}

/// Run the npm onvif client; the parsed JSON line.
async fn onvif_client(host: &str, port: u16, creds: Option<(&str, &str)>) -> serde_json::Value {
    let script = common::clients_dir().join("onvif_check.js");
    let port = port.to_string();
    let mut args = vec![script.to_str().expect("utf-8 path"), host, &port];
    if let Some((u, p)) = creds {
        args.extend([u, p]);
    }
    let out = run("node", &args, TOOL_DEADLINE).await;
    serde_json::from_str(out.stdout.trim())
        .unwrap_or_else(|e| panic!("{e}: stdout {:?} stderr {:?}", out.stdout, out.stderr))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn npm_onvif_reads_device_information_and_stream_uri_with_ws_security() {
    if !require_node_clients("npm_onvif_reads_device_information_and_stream_uri_with_ws_security") {
        return;
    }
    let lab = start(
        concat!(
            "seed = 9\n",
            "[[device]]\nid = \"hik\"\npersonality = \"hikvision\"\nonvif_auth = \"wsse\"\n",
            "[[device]]\nid = \"gen\"\npersonality = \"generic_onvif\"\ndefault_password = \"changed\"\nonvif_auth = \"wsse\"\n",
            "[[device]]\nid = \"dh\"\npersonality = \"dahua\"\nonvif_auth = \"none\"\n",
        ),
        Ipv4Addr::new(127, 77, 5, 1),
    )
    .await;
    for id in ["hik", "gen"] {
        let d = device(&lab, id).clone();
        let host = d.address.to_string();
        let port = d.ports["onvif"];
        let v = onvif_client(&host, port, Some((&d.username, &d.password))).await;
        assert_eq!(v["ok"], true, "{id}: {v}");
        let info = &v["deviceInformation"];
        let manufacturer = if id == "hik" { "HIKVISION" } else { "Generic" };
        assert_eq!(info["manufacturer"], manufacturer, "{v}");
        assert_eq!(info["model"], d.model.as_str(), "{v}");
        assert_eq!(info["firmwareVersion"], d.firmware.as_str(), "{v}");
        assert_eq!(info["serialNumber"], d.serial.as_str(), "{v}");
        assert_eq!(v["streamUri"], d.stream_urls[0].as_str(), "{v}");
        assert_eq!(v["profiles"].as_array().map(Vec::len), Some(2), "{v}");

        let wrong = onvif_client(&host, port, Some((&d.username, "not-the-password"))).await;
        assert_eq!(wrong["ok"], false, "{id}: {wrong}");
        assert!(
            wrong["error"]
                .as_str()
                .unwrap_or("")
                .to_lowercase()
                .contains("not authorized"),
            "{wrong}"
        );
        let anonymous = onvif_client(&host, port, None).await;
        assert_eq!(anonymous["ok"], false, "{id}: {anonymous}");
    }
    assert_eq!(device(&lab, "gen").ports["onvif"] % 10000, 8899);
    // A device with anonymous ONVIF answers without credentials.
    let dh = device(&lab, "dh").clone();
    let v = onvif_client(&dh.address.to_string(), dh.ports["onvif"], None).await;
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["deviceInformation"]["manufacturer"], "Dahua");
    assert_eq!(v["streamUri"], dh.stream_urls[0].as_str());
    lab.shutdown().await;
}
