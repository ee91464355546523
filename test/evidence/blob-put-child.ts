/**
 * Stores one blob under a fresh root, on the I/O thread or from the event loop's thread (argv:
 * root, `thread` | `here`), for test/evidence/blob-folder-durability.test.ts to watch under strace.
 */
import { FileBlobStore } from '../../src/evidence/file-blob-store.js';

const [root, where] = process.argv.slice(2);
if (root === undefined) throw new Error('usage: blob-put-child.ts <root> thread|here');
const blobs = new FileBlobStore(root, where === 'here' ? { ioThread: false } : {});
const { digest } = await blobs.put(new TextEncoder().encode('durable'));
process.stdout.write(`${digest}\n`);
