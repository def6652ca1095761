import { startFakeUpstream } from '../src/testing/index.js';
const up = await startFakeUpstream();
for (let i = 0; i < 100; i++) up.records.set(`host${i}.example.test`, [`192.0.2.${i}`]);
console.log(up.address);
setInterval(() => console.log('received', up.received.length), 2000);
