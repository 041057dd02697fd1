// Entry of a training thread (see ../engine-thread-boot.mjs: a worker thread starts without the
// parent's loader, so register tsx here, then load the TypeScript).
import { register } from 'tsx/esm/api';

register();
await import('./train-thread.ts');
