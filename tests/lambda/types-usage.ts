// Type-checked by scripts/test.d/lambda.sh (tsc --noEmit -p tests/lambda/tsconfig.json), never
// run: cloudfront-trail/lambda's types resolve through package.json "exports" as the docs use them.
import { S3Client } from '@aws-sdk/client-s3';
import { createHandler, handler, loadConfig, outputKey, type LambdaConfig, type SQSBatchResponse } from 'cloudfront-trail/lambda';

export { handler } from 'cloudfront-trail/lambda'; // the deployment's index.mjs

const config: LambdaConfig = loadConfig({ TRAIL_DESTINATION: 's3://flat-logs/cloudtrail/', TRAIL_PROFILE: 'ecs' });
const profile: 'flat' | 'ecs' | 'ocsf' = config.profile;
const custom = createHandler(config, { s3: new S3Client({}), log: (e) => console.error(e) });
const key: string = outputKey('AWSLogs/111122223333/CloudTrail/us-east-1/2024/03/14/f.json.gz', config).key;
async function demo(): Promise<void> {
  const r = await custom({ Records: [] });
  if ('batchItemFailures' in r) {
    const failed: SQSBatchResponse['batchItemFailures'] = r.batchItemFailures;
    console.log(failed.length);
  } else {
    console.log(r.objects, r.skipped);
  }
  await handler({});
}
void [profile, key, demo];
// @ts-expect-error strict is not an option of the handler
const bad: LambdaConfig['options'] = { strict: true };
void bad;
