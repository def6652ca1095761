#!/usr/bin/env node
import { launch } from '@minimesh/runtime/launch';

await launch(import.meta.url, '../src/main.ts');
