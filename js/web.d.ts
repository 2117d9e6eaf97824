// Types of the browser entry (`cloudfront-trail/web`, and the package's `default` condition):
// the same API minus the Node stream; `init()` must be awaited once before the first call.
export {
  transform, transformMany, transformLog, transformLogToNdjson, unflatten, createSplitter, init, CloudTrailError,
} from './index.js';
export type {
  Options, FlatRecord, ErrorEntry, Log, Format, LogInput, Splitter, SigmaRule,
} from './index.js';
import { init } from './index.js';
export default init;
