/** The built-in workload modules, by the name `--mix` takes. */
import { fileURLToPath } from 'node:url';

/** The chatbot platform's transaction mix (platform.ts). */
export const PLATFORM_MIX = fileURLToPath(new URL('./platform.ts', import.meta.url));

/** `--mix NAME` → module path. */
export const MIXES: Readonly<Record<string, string>> = { platform: PLATFORM_MIX };
