#!/usr/bin/env node
// Generates the benchmark corpus: realistic CloudTrail records of CloudFront API calls, written
// as compact `{"Records":[...]}` log files (the shape CloudTrail delivers to S3) and, for the
// 50 MB size, the same records as NDJSON (for the per-record paths).
//
// Deterministic: a seeded PRNG (mulberry32) drives every choice, so the same size gives the same
// bytes on every machine and the numbers stay comparable between runs. Files are written in
// chunks, so the 1 GB file never sits in memory.
//
//   node bench/gen-corpus.mjs                 # the 50 MB file (+ .ndjson)
//   BENCH_BIG=1 node bench/gen-corpus.mjs     # also the 250 MB and 1 GB files
//   node bench/gen-corpus.mjs --size 5 --name records-5mb   # any size in MB (profiling)
//
// A file is regenerated only when it is missing or was written by another generator version
// (the `.meta.json` sidecar records the version, the size asked for and the record count).

import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT_DIR = process.env.BENCH_CORPUS_DIR || join(HERE, 'corpus');
// The generator's own text is its version: any edit regenerates the corpus.
const VERSION = createHash('sha256').update(readFileSync(fileURLToPath(import.meta.url))).digest('hex').slice(0, 16);
const MB = 1 << 20;

export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
export const HEX = '0123456789abcdef';

/** The random choices both generators make, over one PRNG stream `rnd`. */
export function randomKit(rnd) {
  const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
  const chance = (p) => rnd() < p;
  const str = (n, alphabet = ALNUM) => {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
    return s;
  };
  const uuid = () => `${str(8, HEX)}-${str(4, HEX)}-4${str(3, HEX)}-${pick(['8', '9', 'a', 'b'])}${str(3, HEX)}-${str(12, HEX)}`;
  return { int, pick, chance, str, uuid };
}

/** Record factory over one PRNG stream (also the CloudFront-heavy model of gen-real-shaped.mjs). */
export function makeGen(seed) {
  const rnd = mulberry32(seed);
  const { int, pick, chance, str, uuid } = randomKit(rnd);

  const accounts = Array.from({ length: 6 }, () => String(int(100000000000, 999999999999)));
  const distributions = Array.from({ length: 40 }, () => 'E' + str(13));
  const domains = ['example.com', 'shop.example.net', 'static.example.org', 'media.example.io', 'api.example.dev', 'caf\u00e9.example.fr', 'docs.example.co.uk'];
  const users = ['smithj', 'alice', 'deploy-bot', 'ci-runner', 'mar\u00eda.garc\u00eda', 'ops-admin', 'terraform'];
  const roles = ['OrganizationAccountAccessRole', 'github-actions-deploy', 'AWSReservedSSO_AdministratorAccess_1a2b3c4d5e6f7a8b', 'cdn-operator', 'incident-responder', 'CloudFormationExecutionRole'];
  const userAgents = [
    'aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79-99.164.amzn2023.x86_64 exe/x86_64.amzn.2023 prompt/off command/cloudfront.create-invalidation',
    'aws-sdk-js/3.540.0 ua/2.0 os/linux#5.10.213-201.855.amzn2.x86_64 lang/js md/nodejs#20.11.1 api/cloudfront#3.540.0',
    'APN/1.0 HashiCorp/1.0 Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.43.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.26.0 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 api/cloudfront#1.35.0',
    'Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.5.0-1016-aws md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36',
    'cloudformation.amazonaws.com',
    'aws-sdk-ruby/1.39.0 ruby/1.9.3 x86_64-linux',
    'AWS Internal',
  ];
  const ip = () => (chance(0.85) ? `${int(1, 223)}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}` : `2001:db8:${str(4, HEX)}:${str(4, HEX)}::${str(2, HEX)}`);

  let clock = Date.UTC(2024, 2, 1, 0, 0, 0);
  const time = () => {
    clock += int(0, 4000);
    return new Date(clock).toISOString().replace(/\.\d{3}Z$/, 'Z');
  };

  function identity(account) {
    const r = rnd();
    if (r < 0.6) {
      const role = pick(roles);
      const session = pick(users);
      const principal = 'AROA' + str(17);
      return {
        type: 'AssumedRole',
        principalId: `${principal}:${session}`,
        arn: `arn:aws:sts::${account}:assumed-role/${role}/${session}`,
        accountId: account,
        accessKeyId: 'ASIA' + str(16),
        sessionContext: {
          sessionIssuer: { type: 'Role', principalId: principal, arn: `arn:aws:iam::${account}:role/${role}`, accountId: account, userName: role },
          webIdFederationData: {},
          attributes: { creationDate: time(), mfaAuthenticated: chance(0.3) ? 'true' : 'false' },
          ...(chance(0.2) ? { sourceIdentity: pick(users) } : {}),
        },
        ...(chance(0.1) ? { invokedBy: 'cloudformation.amazonaws.com' } : {}),
      };
    }
    if (r < 0.9) {
      const u = pick(users);
      return { type: 'IAMUser', principalId: 'AIDA' + str(17), arn: `arn:aws:iam::${account}:user/${u}`, accountId: account, accessKeyId: (chance(0.7) ? 'AKIA' : 'ASIA') + str(16), userName: u };
    }
    if (r < 0.95) return { type: 'Root', principalId: account, arn: `arn:aws:iam::${account}:root`, accountId: account, accessKeyId: 'ASIA' + str(16), sessionContext: { attributes: { creationDate: time(), mfaAuthenticated: 'true' } } };
    return { type: 'AWSService', invokedBy: 'cloudformation.amazonaws.com' };
  }

  function origin(i, domain) {
    const s3 = chance(0.5);
    return {
      id: s3 ? `S3-${domain}-${i}` : `Custom-${domain}-${i}`,
      domainName: s3 ? `${domain.replace(/[^a-z0-9.-]/g, 'x')}-assets.s3.us-east-1.amazonaws.com` : `origin${i}.${domain}`,
      originPath: chance(0.3) ? '/prod' : '',
      customHeaders: { quantity: 1, items: [{ headerName: 'X-Origin-Verify', headerValue: str(32) }] },
      ...(s3
        ? { s3OriginConfig: { originAccessIdentity: '' }, originAccessControlId: 'E' + str(13) }
        : { customOriginConfig: { hTTPPort: 80, hTTPSPort: 443, originProtocolPolicy: pick(['https-only', 'http-only', 'match-viewer']), originSslProtocols: { quantity: 1, items: ['TLSv1.2'] }, originReadTimeout: 30, originKeepaliveTimeout: 5 } }),
      connectionAttempts: 3,
      connectionTimeout: 10,
      originShield: { enabled: chance(0.2) },
    };
  }

  function cacheBehavior(path, originId) {
    return {
      pathPattern: path,
      targetOriginId: originId,
      trustedSigners: { enabled: false, quantity: 0 },
      trustedKeyGroups: { enabled: false, quantity: 0 },
      viewerProtocolPolicy: pick(['redirect-to-https', 'https-only', 'allow-all']),
      allowedMethods: { quantity: 2, items: ['HEAD', 'GET'], cachedMethods: { quantity: 2, items: ['HEAD', 'GET'] } },
      smoothStreaming: false,
      compress: true,
      lambdaFunctionAssociations: { quantity: 0 },
      functionAssociations: chance(0.3)
        ? { quantity: 1, items: [{ functionARN: `arn:aws:cloudfront::${accounts[0]}:function/rewrite-${str(6)}`, eventType: 'viewer-request' }] }
        : { quantity: 0 },
      fieldLevelEncryptionId: '',
      cachePolicyId: uuid(),
      ...(chance(0.5) ? { originRequestPolicyId: uuid() } : {}),
    };
  }

  function distributionConfig(id, domain) {
    const nOrigins = int(1, 4);
    const origins = Array.from({ length: nOrigins }, (_, i) => origin(i, domain));
    const nBehaviors = int(0, 8);
    const paths = ['/api/*', '/static/*', '/images/*', '/media/*.mp4', '/*.js', '/assets/\u00e9t\u00e9/*', '/v2/*', '/admin/*', '/downloads/*'];
    return {
      callerReference: `terraform-${str(20, HEX)}`,
      aliases: { quantity: 2, items: [domain, `www.${domain}`] },
      defaultRootObject: 'index.html',
      origins: { quantity: nOrigins, items: origins },
      originGroups: { quantity: 0 },
      defaultCacheBehavior: cacheBehavior(undefined, origins[0].id),
      cacheBehaviors: { quantity: nBehaviors, items: Array.from({ length: nBehaviors }, (_, i) => cacheBehavior(paths[i], pick(origins).id)) },
      customErrorResponses: { quantity: 1, items: [{ errorCode: 404, responsePagePath: '/404.html', responseCode: '404', errorCachingMinTTL: 10 }] },
      comment: chance(0.3) ? `Managed by Terraform \u2014 "${domain}" (ticket OPS-${int(100, 9999)})\nowner: platform` : '',
      logging: { enabled: chance(0.6), includeCookies: false, bucket: chance(0.6) ? 'cf-logs-bucket.s3.amazonaws.com' : '', prefix: `${id}/` },
      priceClass: pick(['PriceClass_All', 'PriceClass_100', 'PriceClass_200']),
      enabled: !chance(0.05),
      viewerCertificate: chance(0.1)
        ? { cloudFrontDefaultCertificate: true, minimumProtocolVersion: 'TLSv1', certificateSource: 'cloudfront' }
        : { aCMCertificateArn: `arn:aws:acm:us-east-1:${accounts[0]}:certificate/${uuid()}`, sSLSupportMethod: 'sni-only', minimumProtocolVersion: pick(['TLSv1.2_2021', 'TLSv1.2_2019', 'TLSv1']), certificate: `arn:aws:acm:us-east-1:${accounts[0]}:certificate/${uuid()}`, certificateSource: 'acm' },
      restrictions: { geoRestriction: chance(0.2) ? { restrictionType: 'blacklist', quantity: 3, items: ['KP', 'IR', 'SY'] } : { restrictionType: 'none', quantity: 0 } },
      webACLId: chance(0.5) ? `arn:aws:wafv2:us-east-1:${accounts[0]}:global/webacl/cdn-${str(6)}/${uuid()}` : '',
      httpVersion: pick(['http2', 'http2and3']),
      isIPV6Enabled: true,
      continuousDeploymentPolicyId: '',
      staging: false,
    };
  }

  const OLD_SUFFIX = '2014_01_31';
  const API_VERSION = '2020_05_31';

  /** One CloudTrail record of a CloudFront API call. */
  function record() {
    const account = pick(accounts);
    const id = pick(distributions);
    const domain = pick(domains);
    const old = chance(0.08); // eventVersion 1.01-era records: suffixed eventName, no eventSource
    const r = rnd();
    let name;
    let req = null;
    let resp = null;
    let readOnly = true;
    if (r < 0.12) {
      name = 'UpdateDistribution';
      readOnly = false;
      const cfg = distributionConfig(id, domain);
      req = { distributionConfig: cfg, id, ifMatch: 'E' + str(13) };
      resp = { distribution: { id, aRN: `arn:aws:cloudfront::${account}:distribution/${id}`, status: 'InProgress', lastModifiedTime: 'Mar 1, 2024 10:00:00 AM', inProgressInvalidationBatches: 0, domainName: `d${str(13).toLowerCase()}.cloudfront.net`, activeTrustedSigners: { enabled: false, quantity: 0 }, activeTrustedKeyGroups: { enabled: false, quantity: 0 }, distributionConfig: cfg }, eTag: 'E' + str(13) };
    } else if (r < 0.14) {
      name = 'CreateDistribution';
      readOnly = false;
      const cfg = distributionConfig(id, domain);
      req = { distributionConfig: cfg };
      resp = { distribution: { id, aRN: `arn:aws:cloudfront::${account}:distribution/${id}`, status: 'InProgress', domainName: `d${str(13).toLowerCase()}.cloudfront.net`, distributionConfig: cfg }, location: `https://cloudfront.amazonaws.com/2020-05-31/distribution/${id}`, eTag: 'E' + str(13) };
    } else if (r < 0.32) {
      name = 'CreateInvalidation';
      readOnly = false;
      const n = int(1, 12);
      const items = Array.from({ length: n }, () => pick(['/*', '/index.html', `/static/js/main.${str(8, HEX)}.js`, `/images/${str(6)}.png`, '/api/v1/*', '/caf\u00e9/menu.html']));
      const batch = { callerReference: `${clock % 1e9}-${str(6)}`, paths: { quantity: n, items } };
      req = { distributionId: id, invalidationBatch: batch };
      resp = { invalidation: { id: 'I' + str(13), status: 'InProgress', createTime: 'Mar 1, 2024 10:00:00 AM', invalidationBatch: batch }, location: `https://cloudfront.amazonaws.com/2020-05-31/distribution/${id}/invalidation/I${str(13)}` };
    } else if (r < 0.52) {
      name = 'GetDistribution';
      req = { id };
    } else if (r < 0.62) {
      name = 'GetDistributionConfig';
      req = { id };
    } else if (r < 0.76) {
      name = 'ListDistributions';
      req = chance(0.5) ? { maxItems: '100' } : null;
    } else if (r < 0.84) {
      name = 'ListInvalidations';
      req = { distributionId: id, maxItems: '50' };
    } else if (r < 0.90) {
      name = 'ListTagsForResource';
      req = { resource: `arn:aws:cloudfront::${account}:distribution/${id}` };
    } else if (r < 0.94) {
      name = 'GetInvalidation';
      req = { distributionId: id, id: 'I' + str(13) };
    } else if (r < 0.97) {
      name = 'ListCloudFrontOriginAccessIdentities';
    } else {
      name = 'TagResource';
      readOnly = false;
      req = { resource: `arn:aws:cloudfront::${account}:distribution/${id}`, tags: { items: [{ key: 'team', value: pick(users) }, { key: 'cost-center', value: String(int(1000, 9999)) }] } };
    }
    const ident = identity(account);
    const ua = ident.type === 'AWSService' ? 'cloudformation.amazonaws.com' : pick(userAgents);
    const rec = {
      eventVersion: old ? '1.01' : pick(['1.08', '1.09', '1.10']),
      userIdentity: ident,
      eventTime: time(),
      ...(old ? {} : { eventSource: 'cloudfront.amazonaws.com' }),
      eventName: old ? name + OLD_SUFFIX : name,
      ...(old ? {} : { awsRegion: 'us-east-1' }),
      sourceIPAddress: ident.type === 'AWSService' ? 'cloudformation.amazonaws.com' : ip(),
      userAgent: ua,
    };
    // Failures: denied, missing resources, throttling, precondition failed.
    const fail = rnd();
    if (fail < 0.04) {
      rec.errorCode = 'AccessDenied';
      rec.errorMessage = `User: ${ident.arn || 'unknown'} is not authorized to perform: cloudfront:${name} on resource: arn:aws:cloudfront::${account}:distribution/${id} because no identity-based policy allows the cloudfront:${name} action`;
      resp = null;
    } else if (fail < 0.06) {
      rec.errorCode = pick(['NoSuchDistribution', 'PreconditionFailed', 'InvalidArgument']);
      rec.errorMessage = rec.errorCode === 'NoSuchDistribution' ? 'The specified distribution does not exist.' : 'The If-Match version is missing or not valid for the resource.';
      resp = null;
    } else if (fail < 0.08) {
      rec.errorCode = 'ThrottlingException';
      rec.errorMessage = 'Rate exceeded';
      resp = null;
    }
    rec.requestParameters = req;
    rec.responseElements = resp;
    if (!old) {
      rec.requestID = uuid();
      rec.eventID = uuid();
      rec.readOnly = readOnly;
      rec.eventType = 'AwsApiCall';
      rec.apiVersion = API_VERSION;
      rec.managementEvent = true;
      rec.recipientAccountId = account;
      rec.eventCategory = 'Management';
      if (chance(0.9)) rec.tlsDetails = { tlsVersion: pick(['TLSv1.3', 'TLSv1.2']), cipherSuite: pick(['TLS_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256']), clientProvidedHostHeader: 'cloudfront.amazonaws.com' };
      if (ident.type !== 'AWSService' && chance(0.3)) rec.sessionCredentialFromConsole = 'true';
    } else {
      rec.requestID = uuid();
      rec.eventID = uuid();
    }
    return rec;
  }
  return record;
}

/**
 * Writes `{"Records":[...]}` of at least `targetBytes` to `file` (and NDJSON of the same records
 * to `ndjsonFile` when given). Returns the record count and byte sizes.
 */
function writeCorpus(file, targetBytes, ndjsonFile, seed = 20240301) {
  const record = makeGen(seed);
  const fd = openSync(file + '.tmp', 'w');
  const nd = ndjsonFile ? openSync(ndjsonFile + '.tmp', 'w') : null;
  let bytes = 0;
  let ndBytes = 0;
  let count = 0;
  let buf = ['{"Records":['];
  let bufLen = 12;
  let ndBuf = [];
  const flush = () => {
    const s = buf.join('');
    bytes += writeSync(fd, s);
    buf = [];
    bufLen = 0;
    if (nd !== null) {
      const t = ndBuf.join('');
      ndBytes += writeSync(nd, t);
      ndBuf = [];
    }
  };
  while (bytes + bufLen < targetBytes) {
    const text = JSON.stringify(record());
    buf.push(count === 0 ? text : ',' + text);
    bufLen += text.length + 1;
    if (nd !== null) ndBuf.push(text + '\n');
    count++;
    if (bufLen > 4 * MB) flush();
  }
  buf.push(']}\n');
  flush();
  closeSync(fd);
  if (nd !== null) closeSync(nd);
  return { records: count, bytes, ndjsonBytes: ndBytes };
}

/** Generates `name` (target `mb` MB) unless an up-to-date copy exists; returns its meta. */
export function ensureCorpus(name, mb, { ndjson = false } = {}) {
  mkdirSync(OUT_DIR, { recursive: true });
  const file = join(OUT_DIR, name + '.json');
  const ndFile = ndjson ? join(OUT_DIR, name + '.ndjson') : null;
  const metaFile = join(OUT_DIR, name + '.meta.json');
  if (existsSync(file) && existsSync(metaFile) && (!ndFile || existsSync(ndFile))) {
    try {
      const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
      if (meta.version === VERSION && meta.mb === mb && meta.ndjson === ndjson) return { file, ndjsonFile: ndFile, ...meta };
    } catch {
      // unreadable sidecar: regenerate
    }
  }
  const t0 = performance.now();
  process.stderr.write(`gen-corpus: writing ${file} (${mb} MB)${ndFile ? ' and its .ndjson' : ''}...\n`);
  const res = writeCorpus(file, mb * MB, ndFile);
  // Rename only when complete, so an interrupted run never leaves a truncated corpus behind.
  for (const f of [file, ndFile]) if (f) renameSync(f + '.tmp', f);
  const meta = { version: VERSION, mb, ndjson, ...res };
  writeFileSync(metaFile, JSON.stringify(meta) + '\n');
  process.stderr.write(`gen-corpus: ${res.records} records, ${(res.bytes / MB).toFixed(1)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  return { file, ndjsonFile: ndFile, ...meta };
}

/** The corpora a bench run uses, by role. */
export function standardCorpora({ big = false } = {}) {
  const out = { main: ensureCorpus('records-50mb', 50, { ndjson: true }) };
  if (big) {
    out.big250 = ensureCorpus('records-250mb', 250);
    out.big1g = ensureCorpus('records-1gb', 1024);
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const at = (flag) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  if (at('--size')) {
    const mb = Number(at('--size'));
    if (!(mb > 0)) {
      console.error('gen-corpus: --size takes a number of MB');
      process.exit(2);
    }
    const meta = ensureCorpus(at('--name') || `records-${mb}mb`, mb, { ndjson: args.includes('--ndjson') });
    console.log(JSON.stringify(meta));
  } else {
    console.log(JSON.stringify(standardCorpora({ big: process.env.BENCH_BIG === '1' })));
  }
}
