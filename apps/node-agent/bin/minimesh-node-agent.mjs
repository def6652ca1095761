#!/usr/bin/env -S node --max-semi-space-size=4
// The V8 flag: a young generation of at most 4 MiB a semi-space (NODE_AGENT_NODE_FLAGS in tools/cluster/src/apps.ts says why).
import { launch } from '@minimesh/runtime/launch';

await launch(import.meta.url, '../src/main.ts');
