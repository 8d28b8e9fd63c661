/** The built-in workload modules, by the name `--mix` takes. */
import { fileURLToPath } from 'node:url';
import { moduleUrl } from '../core/module-url.ts';

/** The chatbot platform's transaction mix (platform.ts; platform.js in the package). */
export const PLATFORM_MIX = fileURLToPath(moduleUrl('./platform.ts', import.meta.url));

/** `--mix NAME` → module path. */
export const MIXES: Readonly<Record<string, string>> = { platform: PLATFORM_MIX };
