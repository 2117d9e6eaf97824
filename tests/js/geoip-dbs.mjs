// The MaxMind-format test databases for the JS suites (tests/fixtures/geoip/make_dbs.py says what
// they hold), written by tests/fixtures/geoip/make-dbs.sh, which installs its pinned writer into a
// venv under target/ the first time. Not a test file itself.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let dir;
/** The path of test database `name` (`city`, `asn`, `everywhere`), written on first use. */
export function geoipDb(name) {
  dir ??= execFileSync('bash', [fileURLToPath(new URL('../fixtures/geoip/make-dbs.sh', import.meta.url))], { encoding: 'utf8' }).trim();
  return path.join(dir, `${name}.mmdb`);
}
