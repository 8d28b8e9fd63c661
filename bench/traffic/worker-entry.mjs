// Worker threads start without the main thread's module hooks: register tsx here so the
// TypeScript worker (and a user's .ts workload module) load as they are.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
