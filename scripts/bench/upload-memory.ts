import http from 'node:http';
import { parseArgs } from 'node:util';
import { benchData, peakRssMb, seconds, startProcess, stopProcess } from './support';

/**
 * `npm run bench:upload -- --mb 1024`: streams generated uploads of growing size into a separate API process
 * and prints throughput and that process's peak RSS after each, to show memory stays flat whatever the size.
 */
const { values } = parseArgs({ options: { mb: { type: 'string', default: '1024' } } });
const maxMb = Number(values.mb);

function send(port: number, token: string, total: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/v1/diagnostics?steps=0',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/csv', 'Content-Length': String(total) },
    });
    req.on('response', (res) => (res.resume(), res.on('end', () => resolve(res.statusCode ?? 0))));
    req.on('error', reject);
    const chunk = Buffer.alloc(256 * 1024, 'C123,P456\n');
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        const n = Math.min(chunk.length, total - sent);
        sent += n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

async function main() {
  const data = await benchData('upload');
  const api = await startProcess('apps/api/src/main.ts', data.env);
  try {
    const pid = api.pid!;
    const start = peakRssMb(pid);
    console.log(`API peak RSS after start: ${start.toFixed(1)} MB`);
    console.log('upload MB | MB/s  | API peak RSS MB | growth since start MB');
    for (let mb = 16; mb <= maxMb; mb *= 4) {
      const t = process.hrtime.bigint();
      const status = await send(data.port, data.token, mb * 1024 * 1024);
      const s = seconds(t);
      if (status !== 202) throw new Error(`upload answered ${status}`);
      const peak = peakRssMb(pid);
      console.log(
        `${String(mb).padStart(9)} | ${(mb / s).toFixed(0).padStart(5)} | ${peak.toFixed(1).padStart(15)} | ${(peak - start).toFixed(1)}`,
      );
    }
  } finally {
    await stopProcess(api);
    await data.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
