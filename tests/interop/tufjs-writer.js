// Writes a TUF repository with @tufjs/models, an independent writer, for stork-get to consume.
// usage: node tufjs-writer.js SPEC.json
// SPEC: {"out": DIR, "targets": [{"path", "file", "custom"?, "role"?}], "delegations": [{"name", "paths"}]}
// Layout as Stork expects: OUT/metadata/N.ROLE.json (consistent snapshot), OUT/targets/DIR/HASH.NAME.
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { Metadata, Root, Targets, Snapshot, Timestamp, Key, MetaFile, TargetFile, Signature } = require('@tufjs/models');
const { canonicalize } = require('@tufjs/canonical-json');

const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const metadataDir = path.join(spec.out, 'metadata');
const targetsDir = path.join(spec.out, 'targets');
fs.mkdirSync(metadataDir, { recursive: true });
fs.mkdirSync(targetsDir, { recursive: true });
const expires = new Date(Date.now() + 30 * 86400 * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

function newKey() {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url').toString('hex');
  const body = { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: raw } };
  const keyID = crypto.createHash('sha256').update(canonicalize(body)).digest('hex');
  const key = new Key({ keyID, keyType: 'ed25519', scheme: 'ed25519', keyVal: { public: raw } });
  const signer = (data) => new Signature({ keyID, sig: crypto.sign(null, data, privateKey).toString('hex') });
  return { key, signer };
}

function write(name, metadata, signer) {
  metadata.sign(signer);
  const bytes = Buffer.from(canonicalize(metadata.toJSON()));
  fs.writeFileSync(path.join(metadataDir, name), bytes);
  return bytes;
}

function targetFileFor(entry) {
  const data = fs.readFileSync(entry.file);
  const sha256 = crypto.createHash('sha256').update(data).digest('hex');
  const dir = path.dirname(entry.path), base = path.basename(entry.path);
  const stored = path.join(targetsDir, dir === '.' ? '' : dir, `${sha256}.${base}`);
  fs.mkdirSync(path.dirname(stored), { recursive: true });
  fs.writeFileSync(stored, data);
  const extra = entry.custom ? { custom: entry.custom } : undefined;
  return new TargetFile({ path: entry.path, length: data.length, hashes: { sha256 }, unrecognizedFields: extra });
}

const keys = { root: newKey(), targets: newKey(), snapshot: newKey(), timestamp: newKey() };
const root = new Root({ version: 1, specVersion: '1.0.31', expires, consistentSnapshot: true });
for (const role of Object.keys(keys)) root.addKey(keys[role].key, role);
const rootBytes = write('1.root.json', new Metadata(root), keys.root.signer);
fs.writeFileSync(path.join(metadataDir, 'root.json'), rootBytes);

const delegations = spec.delegations || [];
const delegatedKeys = Object.fromEntries(delegations.map(d => [d.name, newKey()]));
const targetsJson = { _type: 'targets', spec_version: '1.0.31', version: 1, expires, targets: {} };
if (delegations.length > 0) {
  targetsJson.delegations = {
    keys: Object.fromEntries(delegations.map(d => [delegatedKeys[d.name].key.keyID, delegatedKeys[d.name].key.toJSON()])),
    roles: delegations.map(d => ({ name: d.name, keyids: [delegatedKeys[d.name].key.keyID], threshold: 1, terminating: true, paths: d.paths })),
  };
}
const topTargets = Metadata.fromJSON('targets', { signed: targetsJson, signatures: [] });
const roleTargets = Object.fromEntries(delegations.map(d => [d.name, new Targets({ version: 1, specVersion: '1.0.31', expires })]));
for (const entry of spec.targets) {
  const file = targetFileFor(entry);
  (entry.role && entry.role !== 'targets' ? roleTargets[entry.role] : topTargets.signed).addTarget(file);
}

const snapshotMeta = {};
function metaOf(bytes, version) {
  return new MetaFile({ version, length: bytes.length, hashes: { sha256: crypto.createHash('sha256').update(bytes).digest('hex') } });
}
snapshotMeta['targets.json'] = metaOf(write('1.targets.json', topTargets, keys.targets.signer), 1);
for (const d of delegations)
  snapshotMeta[`${d.name}.json`] = metaOf(write(`1.${d.name}.json`, new Metadata(roleTargets[d.name]), delegatedKeys[d.name].signer), 1);
const snapshotBytes = write('1.snapshot.json', new Metadata(new Snapshot({ version: 1, specVersion: '1.0.31', expires, meta: snapshotMeta })), keys.snapshot.signer);
write('timestamp.json', new Metadata(new Timestamp({ version: 1, specVersion: '1.0.31', expires, snapshotMeta: metaOf(snapshotBytes, 1) })), keys.timestamp.signer);
console.log(JSON.stringify({ out: spec.out, targets: spec.targets.length, delegations: delegations.length }));
