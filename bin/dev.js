#!/usr/bin/env -S node --import tsx
// ctl from the TypeScript sources, for development: no build step between an edit and a run.
// CommonJS, as bin/run.js (see there); oclif gets the package root.
const path = require('node:path');

import('@oclif/core').then(({ execute }) => execute({ development: true, dir: path.join(__dirname, '..') }));
