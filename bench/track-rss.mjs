// Change tracking's memory over a long stream: the CLI reads N MB of generated NDJSON on stdin
// (default 1024), every record an UpdateDistribution of a distribution never seen before (so
// the tracker fills to its caps and then evicts on every record: the worst case for memory), and
// this parent samples the child's VmRSS every 100 ms. Prints the highest RSS in each quarter of
// the run and the child's VmHWM, with tracking on and with --no-track. Flat means the last
// quarters are no higher than the second.
//   node bench/track-rss.mjs [MB]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ROOT } from './lib.mjs';

const MB = Number(process.argv[2] ?? 1024);
const CLI = join(ROOT, 'js', 'cli.mjs');

function kb(pid, field) {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

// One record, ~2.3 KB: a full-ish distribution configuration for distribution number n.
function record(n) {
  const id = `E${n.toString(36).toUpperCase().padStart(12, '0')}`;
  const origins = [0, 1, 2].map((i) => ({ id: `o${i}`, domainName: `origin-${i}-${n}.example.com`, originPath: '', customHeaders: { quantity: 0 }, customOriginConfig: { hTTPPort: 80, hTTPSPort: 443, originProtocolPolicy: 'https-only', originSslProtocols: { quantity: 1, items: ['TLSv1.2'] } } }));
  const cfg = {
    callerReference: `ref-${n}`,
    aliases: { quantity: 2, items: [`a${n}.example.com`, `b${n}.example.com`] },
    origins: { quantity: 3, items: origins },
    defaultCacheBehavior: { targetOriginId: 'o0', viewerProtocolPolicy: 'redirect-to-https', allowedMethods: { quantity: 2, items: ['GET', 'HEAD'] }, compress: true, cachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6' },
    comment: `distribution ${n}`,
    logging: { enabled: true, includeCookies: false, bucket: 'logs.s3.amazonaws.com', prefix: `${id}/` },
    priceClass: 'PriceClass_100',
    enabled: true,
    viewerCertificate: { cloudFrontDefaultCertificate: false, minimumProtocolVersion: 'TLSv1.2_2021', sSLSupportMethod: 'sni-only' },
    restrictions: { geoRestriction: { restrictionType: 'none', quantity: 0 } },
    webACLId: `arn:aws:wafv2:us-east-1:111122223333:global/webacl/x/${n}`,
  };
  const t = new Date(Date.UTC(2024, 0, 1) + n * 1000).toISOString().replace('.000Z', 'Z');
  return JSON.stringify({
    eventVersion: '1.08', userIdentity: { type: 'IAMUser', accountId: '111122223333', userName: 'alice' }, eventTime: t,
    eventSource: 'cloudfront.amazonaws.com', eventName: 'UpdateDistribution2020_05_31', awsRegion: 'us-east-1',
    requestParameters: { id, ifMatch: 'E1', distributionConfig: cfg }, responseElements: null, eventID: `ev-${n}`, recipientAccountId: '111122223333',
  }) + '\n';
}

async function run(extra) {
  const child = spawn(process.execPath, [CLI, '--format', 'ndjson', ...extra], { stdio: ['pipe', 'ignore', 'inherit'] });
  const t0 = Date.now();
  const samples = [];
  let hwm = 0;
  const timer = setInterval(() => {
    const r = kb(child.pid, 'VmRSS');
    const h = kb(child.pid, 'VmHWM');
    if (r !== null) samples.push([Date.now() - t0, r]);
    if (h !== null) hwm = h;
  }, 100);
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const total = MB * 1e6;
  let sent = 0;
  let n = 0;
  while (sent < total) {
    let chunk = '';
    while (chunk.length < 1 << 20) chunk += record(n++);
    sent += chunk.length;
    if (!child.stdin.write(chunk)) await new Promise((r) => child.stdin.once('drain', r));
  }
  child.stdin.end();
  const code = await exited;
  clearInterval(timer);
  const secs = (Date.now() - t0) / 1000;
  const end = samples.length ? samples[samples.length - 1][0] : 1;
  const quarters = [0, 1, 2, 3].map((q) => Math.max(0, ...samples.filter(([t]) => t >= (end * q) / 4 && t <= (end * (q + 1)) / 4).map(([, r]) => r)));
  return { args: extra.join(' ') || '(tracking on)', code, records: n, mb: +(sent / 1e6).toFixed(0), secs: +secs.toFixed(1), rssQuartersMiB: quarters.map((k) => +(k / 1024).toFixed(0)), vmHwmMiB: +(hwm / 1024).toFixed(0) };
}

for (const extra of [[], ['--no-track']]) console.log(JSON.stringify(await run(extra)));
