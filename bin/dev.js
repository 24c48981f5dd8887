#!/usr/bin/env -S node --import tsx
// ctl from the TypeScript sources, for development: no build step between an edit and a run.
const { execute } = await import('@oclif/core');
await execute({ development: true, dir: import.meta.url });
