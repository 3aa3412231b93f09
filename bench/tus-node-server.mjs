#!/usr/bin/env node
// The @tus/server peer: @tus/file-store under Node's built-in http, nothing else in the way.
//   node tus-node-server.mjs PORT DIR

import http from 'node:http';
import { FileStore } from '@tus/file-store';
import { Server } from '@tus/server';

const [port, directory] = process.argv.slice(2);
if (!port || !directory) {
  process.stderr.write('usage: tus-node-server.mjs PORT DIR\n');
  process.exit(2);
}
const tus = new Server({ path: '/files', datastore: new FileStore({ directory }) });
const server = http.createServer((req, res) => tus.handle(req, res));
server.listen(Number(port), '127.0.0.1', () => process.stderr.write(`@tus/server on 127.0.0.1:${port}\n`));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
