// Read an ONVIF device with the npm `onvif` client (agsh, pinned 0.8.3), WS-Security when a
// user and password are given. Loopback addresses only.
//
// usage: node onvif_check.js HOST PORT [USER PASS]
// prints one JSON line: {"ok":true,"deviceInformation":{...},"streamUri":"rtsp://...","profiles":[...]}
// or {"ok":false,"stage":"...","error":"..."} and exits 1.
'use strict';
const { Cam } = require('onvif');

const [host, port, username, password] = process.argv.slice(2);
if (!/^127\.\d+\.\d+\.\d+$/.test(host || '')) {
  console.log(JSON.stringify({ ok: false, stage: 'args', error: 'loopback host required' }));
  process.exit(2);
}

function fail(stage, err) {
  console.log(JSON.stringify({ ok: false, stage, error: err && err.message ? err.message : String(err) }));
  process.exit(1);
}

setTimeout(() => fail('timeout', 'no answer in 20 s'), 20000).unref();

new Cam({ hostname: host, port: Number(port), username, password, timeout: 5000, autoconnect: true }, function (err) {
  if (err) return fail('connect', err);
  const cam = this;
  cam.getDeviceInformation((e1, info) => {
    if (e1) return fail('getDeviceInformation', e1);
    const profiles = (cam.profiles || []).map((p) => p.$.token);
    cam.getStreamUri({ protocol: 'RTSP', profileToken: profiles[0] || 'Profile_1' }, (e2, stream) => {
      if (e2) return fail('getStreamUri', e2);
      console.log(JSON.stringify({ ok: true, deviceInformation: info, streamUri: stream.uri, profiles }));
      process.exit(0);
    });
  });
});
