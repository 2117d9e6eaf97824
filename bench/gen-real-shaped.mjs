#!/usr/bin/env node
// Generates the real-shaped benchmark corpora (issue 19): CloudTrail records of the shapes and
// sizes real logs hold, not the CloudFront-heavy mix of gen-corpus.mjs (2.7 KB a record).
//
// The model, from the public real samples (../shared/samples/bulk, 2,189 records; nothing of
// them is copied, only these statistics): mean 1.26 KB a compact record; quantiles 5 % 918 B,
// 25 % 1,088, 50 % 1,170, 75 % 1,273, 95 % 1,819, max 5.4 KB; 14 % under 1 KB, 85 % 1–4 KB,
// 0.5 % over 4 KB (RunInstances, AssumeRole with a long session token, CreateTrustAnchor).
// Event sources: ec2 32 %, iam 15 %, ssm 13 %, s3 12 %, rds 7 %, kms 6 %, secretsmanager 5 %,
// sts 2 %, others; mostly Describe*/Get*/List*; requestParameters small, responseElements null
// for reads; tlsDetails on 79 %, resources on 23 %, additionalEventData on 12 %, errorCode 10 %.
//
// Corpora (each `{"Records":[...]}` compact plus the same records as NDJSON, in bench/corpus/,
// regenerated when this file changes):
//   shaped-mix       the real size distribution (the classes below in the real proportions)
//   shaped-small     records < 1 KB      shaped-medium  1–4 KB      shaped-large  > 4 KB
//   shaped-cloudfront  CreateDistribution/UpdateDistribution records from gen-corpus.mjs's model
//                      (distribution configs with 1–4 origins, 0–8 cache behaviours, aliases)
//
//   node bench/gen-real-shaped.mjs [--mb N]   # N MB each (default 4); prints the metas as JSON
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { HEX, makeGen, mulberry32, randomKit } from './gen-corpus.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT_DIR = process.env.BENCH_CORPUS_DIR || join(HERE, 'corpus');
const VERSION = createHash('sha256')
  .update(readFileSync(fileURLToPath(import.meta.url)))
  .update(readFileSync(join(HERE, 'gen-corpus.mjs')))
  .digest('hex')
  .slice(0, 16);

export const CLASSES = {
  small: { label: '< 1 KB', lo: 0, hi: 1024 },
  medium: { label: '1–4 KB', lo: 1024, hi: 4096 },
  large: { label: '> 4 KB', lo: 4096, hi: Infinity },
};
// The real proportions of the classes (the mix corpus).
const MIX = [['small', 0.14], ['medium', 0.855], ['large', 0.005]];

function makeShaped(seed) {
  const rnd = mulberry32(seed);
  const { int, pick, chance, str, uuid } = randomKit(rnd);
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const account = String(int(100000000000, 999999999999));
  const users = ['bert-jan', 'alice', 'deploy', 'ci-runner', 'mar\u00eda', 'ops-admin'];
  const roles = ['OrganizationAccountAccessRole', 'stratus-red-team-ec2-role', 'AWSReservedSSO_ReadOnly_1a2b3c4d', 'lambda-exec'];
  const uaLong = [
    'APN/1.0 HashiCorp/1.0 Terraform/1.1.2 (+https://www.terraform.io) terraform-provider-aws/3.76.1 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go/1.44.157 (go1.19.3; linux; amd64) HashiCorp-terraform-exec/0.17.3',
    'aws-cli/2.11.21 Python/3.11.3 Linux/5.15.0-76-generic exe/x86_64.ubuntu.22 prompt/off command/ec2.describe-instances',
    'Boto3/1.26.137 Python/3.10.6 Linux/5.19.0-45-generic Botocore/1.29.137',
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/114.0.0.0 Safari/537.36',
  ];
  const services = ['ec2.amazonaws.com', 'secretsmanager.amazonaws.com', 'ssm.amazonaws.com', 'lambda.amazonaws.com', 'health.amazonaws.com'];
  let clock = Date.UTC(2023, 6, 10, 11, 0, 0);
  const time = () => {
    clock += int(0, 3000);
    return new Date(clock).toISOString().replace(/\.\d{3}Z$/, 'Z');
  };
  const ip = () => `${int(1, 223)}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`;

  function identity(kind) {
    const u = pick(users);
    if (kind === 'service') return { type: 'AWSService', invokedBy: pick(services) };
    if (kind === 'role') {
      const role = pick(roles);
      const p = 'AROA' + str(17);
      return {
        type: 'AssumedRole', principalId: `${p}:${u}`, arn: `arn:aws:sts::${account}:assumed-role/${role}/${u}`, accountId: account, accessKeyId: 'ASIA' + str(16),
        sessionContext: { sessionIssuer: { type: 'Role', principalId: p, arn: `arn:aws:iam::${account}:role/${role}`, accountId: account, userName: role }, webIdFederationData: {}, attributes: { creationDate: time(), mfaAuthenticated: 'false' } },
      };
    }
    return { type: 'IAMUser', principalId: 'AIDA' + str(17), arn: `arn:aws:iam::${account}:user/${u}`, accountId: account, accessKeyId: 'AKIA' + str(16), userName: u };
  }

  // Shapes: [weight, source, names, request(), response()|null]; the request grows with `n`.
  const itemsSet = (key, idp, n) => ({ items: Array.from({ length: n }, () => ({ [key]: `${idp}-${str(17, HEX)}` })) });
  const filterSet = (n) => (n === 0 ? {} : { items: Array.from({ length: n }, () => ({ name: pick(['vpc-id', 'tag:Name', 'state', 'owner-id']), valueSet: { items: [{ value: str(int(6, 20)).toLowerCase() }] } })) });
  const SHAPES = [
    [32, 'ec2', ['DescribeRouteTables', 'DescribeVpcs', 'DescribeSubnets', 'DescribeNatGateways', 'DescribeAccountAttributes', 'DescribeSecurityGroups'], (n) => ({ routeTableIdSet: itemsSet('routeTableId', 'rtb', n), filterSet: filterSet(n >> 1) })],
    [15, 'iam', ['GetUser', 'ListAttachedRolePolicies', 'ListRolePolicies', 'GetRole', 'ListAccessKeys'], (n) => (n === 0 ? null : { roleName: pick(roles), ...(n > 1 ? { marker: str(n * 20, B64) } : {}) })],
    [13, 'ssm', ['GetParameter', 'DescribeParameters', 'PutParameter', 'DeleteParameter'], (n) => ({ name: `/app/${str(8).toLowerCase()}/${str(10).toLowerCase()}`, withDecryption: true, ...(n > 1 ? { parameterFilters: Array.from({ length: n - 1 }, () => ({ key: 'Name', option: 'BeginsWith', values: [`/app/${str(6).toLowerCase()}`] })) } : {}) })],
    [12, 's3', ['GetBucketAcl', 'GetBucketPolicy', 'ListBuckets', 'GetBucketVersioning'], (n) => ({ bucketName: `bucket-${str(12).toLowerCase()}`, Host: `bucket-${str(8).toLowerCase()}.s3.amazonaws.com`, ...(n > 0 ? { acl: '' } : {}), ...(n > 2 ? { 'x-amz-expected-bucket-owner': account } : {}) })],
    [7, 'rds', ['DescribeDBInstances', 'DescribeDBEngineVersions', 'DescribeOrderableDBInstanceOptions'], (n) => ({ engine: pick(['postgres', 'mysql', 'aurora-postgresql']), ...(n > 0 ? { engineVersion: `${int(10, 15)}.${int(1, 9)}`, maxRecords: 100, filters: Array.from({ length: n - 1 }, () => ({ name: 'engine', values: ['postgres'] })) } : {}) })],
    [6, 'kms', ['Decrypt', 'GenerateDataKey', 'DescribeKey'], (n) => ({ encryptionAlgorithm: 'SYMMETRIC_DEFAULT', encryptionContext: Object.fromEntries(Array.from({ length: n + 1 }, (_, i) => [i === 0 ? 'SecretARN' : `ctx${i}`, `arn:aws:secretsmanager:us-east-1:${account}:secret:${str(24).toLowerCase()}`])) })],
    [5, 'secretsmanager', ['GetSecretValue', 'DescribeSecret', 'StartSecretVersionDelete'], (n) => ({ secretId: `arn:aws:secretsmanager:us-east-1:${account}:secret:${str(20).toLowerCase()}`, ...(n > 0 ? { versionStage: 'AWSCURRENT' } : {}) })],
    [2, 'signin', ['ConsoleLogin'], () => null],
    [3, 'health', ['DescribeEventAggregates', 'DescribeEvents'], (n) => ({ aggregateField: 'eventTypeCategory', ...(n > 0 ? { filter: { eventStatusCodes: ['open', 'upcoming'], regions: Array.from({ length: n }, () => pick(['us-east-1', 'eu-west-1', 'ap-south-1'])) } } : {}) })],
  ];
  const totalWeight = SHAPES.reduce((a, s) => a + s[0], 0);

  function envelope(source, name, who, req, resp, small) {
    const service = who.type === 'AWSService';
    const rec = {
      eventVersion: '1.08', userIdentity: who, eventTime: time(), eventSource: `${source}.amazonaws.com`, eventName: name, awsRegion: 'us-east-1',
      sourceIPAddress: service ? who.invokedBy : ip(), userAgent: service ? who.invokedBy : small ? 'aws-cli/2.11.21' : pick(uaLong),
      requestParameters: req, responseElements: resp,
    };
    if (chance(0.1)) {
      rec.errorCode = pick(['AccessDenied', 'Client.UnauthorizedOperation', 'ResourceNotFoundException']);
      rec.errorMessage = `User: ${who.arn ?? who.invokedBy} is not authorized to perform: ${source}:${name}`;
    }
    if (source === 's3' && chance(0.9)) rec.additionalEventData = { SignatureVersion: 'SigV4', CipherSuite: 'ECDHE-RSA-AES128-GCM-SHA256', bytesTransferredIn: 0, AuthenticationMethod: 'AuthHeader', 'x-amz-id-2': str(76, B64), bytesTransferredOut: int(100, 900) };
    if (source === 'signin') {
      rec.additionalEventData = { LoginTo: 'https://console.aws.amazon.com/console/home', MobileVersion: 'No', MFAUsed: pick(['Yes', 'No']) };
      rec.responseElements = { ConsoleLogin: pick(['Success', 'Failure']) };
    }
    rec.requestID = uuid();
    rec.eventID = uuid();
    rec.readOnly = /^(Get|Describe|List)/.test(name);
    if (source === 'kms' || chance(0.15)) rec.resources = [{ accountId: account, type: source === 'kms' ? 'AWS::KMS::Key' : 'AWS::IAM::Role', ARN: `arn:aws:${source === 'kms' ? 'kms' : 'iam'}:us-east-1:${account}:key/${uuid()}` }];
    rec.eventType = source === 'signin' ? 'AwsConsoleSignIn' : 'AwsApiCall';
    rec.managementEvent = true;
    rec.recipientAccountId = account;
    if (!small && chance(0.05)) rec.vpcEndpointId = 'vpce-' + str(17, HEX);
    rec.eventCategory = 'Management';
    if (!service && !small) rec.tlsDetails = { tlsVersion: 'TLSv1.2', cipherSuite: 'ECDHE-RSA-AES128-GCM-SHA256', clientProvidedHostHeader: `${source}.us-east-1.amazonaws.com` };
    if (!small && chance(0.12)) rec.sessionCredentialFromConsole = 'true';
    return rec;
  }

  // The big real records: RunInstances (instancesSet in request and response) and AssumeRole
  // (a session token of 1–3 KB).
  function large() {
    const who = identity(chance(0.5) ? 'role' : 'user');
    if (chance(0.5)) {
      const arn = `arn:aws:iam::${account}:role/${pick(roles)}`;
      const resp = { credentials: { accessKeyId: 'ASIA' + str(16), sessionToken: str(int(2600, 3600), B64), expiration: 'Jul 10, 2023, 12:55:22 PM' }, assumedRoleUser: { assumedRoleId: `AROA${str(17)}:${str(10)}`, arn: `arn:aws:sts::${account}:assumed-role/x/${str(10)}` } };
      return envelope('sts', 'AssumeRole', identity('service'), { roleArn: arn, roleSessionName: `i-${str(17, HEX)}` }, resp, false);
    }
    const n = int(1, 3);
    const inst = () => ({
      instanceId: `i-${str(17, HEX)}`, imageId: `ami-${str(17, HEX)}`, currentInstanceBootMode: 'legacy-bios', instanceState: { code: 0, name: 'pending' }, privateDnsName: `ip-10-0-${int(0, 255)}-${int(0, 255)}.ec2.internal`,
      amiLaunchIndex: 0, productCodes: {}, instanceType: pick(['t3.micro', 'm5.large']), launchTime: clock, placement: { availabilityZone: 'us-east-1a', tenancy: 'default' }, monitoring: { state: 'disabled' },
      subnetId: `subnet-${str(17, HEX)}`, vpcId: `vpc-${str(17, HEX)}`, privateIpAddress: `10.0.${int(0, 255)}.${int(1, 254)}`, stateReason: { code: 'pending', message: 'pending' }, architecture: 'x86_64', rootDeviceType: 'ebs', rootDeviceName: '/dev/xvda',
      blockDeviceMapping: {}, virtualizationType: 'hvm', hypervisor: 'xen', groupSet: { items: [{ groupId: `sg-${str(17, HEX)}`, groupName: 'default' }] },
      networkInterfaceSet: { items: [{ networkInterfaceId: `eni-${str(17, HEX)}`, subnetId: `subnet-${str(17, HEX)}`, vpcId: `vpc-${str(17, HEX)}`, ownerId: account, status: 'in-use', macAddress: '0e:11:22:33:44:55', privateIpAddress: '10.0.1.5', sourceDestCheck: true, interfaceType: 'interface', groupSet: { items: [{ groupId: `sg-${str(17, HEX)}`, groupName: 'default' }] }, attachment: { attachmentId: `eni-attach-${str(17, HEX)}`, deviceIndex: 0, networkCardIndex: 0, status: 'attaching', attachTime: clock, deleteOnTermination: true }, privateIpAddressesSet: { item: [{ privateIpAddress: '10.0.1.5', primary: true }] }, ipv6AddressesSet: {}, tagSet: {} }] },
      ebsOptimized: false, enaSupport: true, cpuOptions: { coreCount: 1, threadsPerCore: 2 }, capacityReservationSpecification: { capacityReservationPreference: 'open' }, enclaveOptions: { enabled: false },
      metadataOptions: { state: 'pending', httpTokens: 'optional', httpPutResponseHopLimit: 1, httpEndpoint: 'enabled', httpProtocolIpv4: 'enabled', httpProtocolIpv6: 'disabled', instanceMetadataTags: 'disabled' },
      maintenanceOptions: { autoRecovery: 'default' }, privateDnsNameOptions: { hostnameType: 'ip-name', enableResourceNameDnsARecord: false, enableResourceNameDnsAAAARecord: false },
    });
    const req = { instancesSet: { items: [{ imageId: `ami-${str(17, HEX)}`, minCount: n, maxCount: n }] }, instanceType: 't3.micro', blockDeviceMapping: {}, monitoring: { enabled: false }, disableApiTermination: false, disableApiStop: false, clientToken: uuid(), iamInstanceProfile: { name: pick(roles) } };
    const resp = { requestId: uuid(), reservationId: `r-${str(17, HEX)}`, ownerId: account, groupSet: {}, instancesSet: { items: Array.from({ length: n }, inst) }, requesterId: account };
    return envelope('ec2', 'RunInstances', who, req, resp, false);
  }

  function ordinary(small) {
    let w = rnd() * totalWeight;
    let s = SHAPES[0];
    for (const x of SHAPES) {
      if ((w -= x[0]) < 0) {
        s = x;
        break;
      }
    }
    const [, source, names, req] = s;
    const who = identity(small ? pick(['service', 'user']) : pick(['user', 'user', 'role', 'service']));
    // The request grows with `n`: small records have the smallest requests.
    const n = small ? int(0, 1) : int(0, 4) + (chance(0.2) ? int(2, 10) : 0);
    return envelope(source, pick(names), who, req(n), null, small);
  }

  /** A record of class `cls`: drawn from that class's shapes until its compact size fits. */
  return function record(cls) {
    const { lo, hi } = CLASSES[cls];
    for (let tries = 0; ; tries++) {
      const r = cls === 'large' ? large() : ordinary(cls === 'small');
      const n = JSON.stringify(r).length;
      if ((n >= lo && n < hi) || tries > 50) return r;
    }
  };
}

function write(name, mb, next) {
  mkdirSync(OUT_DIR, { recursive: true });
  const file = join(OUT_DIR, `${name}-${mb}mb.json`);
  const ndjsonFile = join(OUT_DIR, `${name}-${mb}mb.ndjson`);
  const metaFile = join(OUT_DIR, `${name}-${mb}mb.meta.json`);
  if (existsSync(file) && existsSync(ndjsonFile) && existsSync(metaFile)) {
    try {
      const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
      if (meta.version === VERSION) return meta;
    } catch {
      // regenerate
    }
  }
  const lines = [];
  let bytes = 0;
  while (bytes < mb * 1e6) {
    const t = JSON.stringify(next());
    lines.push(t);
    bytes += t.length + 1;
  }
  writeFileSync(file, `{"Records":[${lines.join(',')}]}`);
  writeFileSync(ndjsonFile, `${lines.join('\n')}\n`);
  const meta = { version: VERSION, name, file, ndjsonFile, records: lines.length, avgRecordBytes: Math.round(bytes / lines.length) };
  writeFileSync(metaFile, JSON.stringify(meta));
  return meta;
}

/** The real-shaped corpora, `mb` MB each (written when missing or stale); their metas by name. */
export function ensureShaped(mb = 4) {
  const classRnd = mulberry32(7);
  const drawClass = () => {
    let x = classRnd();
    for (const [c, p] of MIX) if ((x -= p) < 0) return c;
    return 'medium';
  };
  const metas = {};
  const mixGen = makeShaped(20230710);
  metas.mix = write('shaped-mix', mb, () => mixGen(drawClass()));
  for (const cls of Object.keys(CLASSES)) {
    const g = makeShaped(20230711 + cls.length);
    metas[cls] = write(`shaped-${cls}`, mb, () => g(cls));
  }
  // CloudFront-heavy: gen-corpus.mjs's records, the distribution create/update calls only.
  const cf = makeGen(20240302);
  metas.cloudfront = write('shaped-cloudfront', mb, () => {
    for (;;) {
      const r = cf();
      if (/^(Create|Update)Distribution/.test(r.eventName) && r.requestParameters) return r;
    }
  });
  return metas;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf('--mb');
  console.log(JSON.stringify(ensureShaped(i > 0 ? Number(process.argv[i + 1]) : 4)));
}
