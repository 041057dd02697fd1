// Entry of an engine worker thread. The analyzer runs TypeScript without a build step (tsx);
// a worker thread starts without the parent's loader, so register it here, then load the engine.
import { register } from 'tsx/esm/api';

register();
await import('./engine-thread.ts');
