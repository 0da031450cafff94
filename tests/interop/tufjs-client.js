// Refreshes and downloads targets with tuf-js, an independent TUF client.
// usage: node tufjs-client.js BASE_URL TRUSTED_ROOT WORK_DIR TARGET_PATH...
const { Updater } = require('tuf-js');
const fs = require('fs'); const path = require('path');
async function main() {
  const [base, rootFile, work, ...targets] = process.argv.slice(2);
  const metadataDir = path.join(work, 'metadata'), targetDir = path.join(work, 'targets');
  fs.mkdirSync(metadataDir, { recursive: true }); fs.mkdirSync(targetDir, { recursive: true });
  if (!fs.existsSync(path.join(metadataDir, 'root.json'))) fs.copyFileSync(rootFile, path.join(metadataDir, 'root.json'));
  const updater = new Updater({ metadataBaseUrl: base + 'metadata', targetBaseUrl: base + 'targets', metadataDir, targetDir });
  await updater.refresh();
  for (const t of targets) {
    const info = await updater.getTargetInfo(t);
    if (!info) throw new Error('no target ' + t);
    const out = await updater.downloadTarget(info, path.join(targetDir, path.basename(t)));
    console.log(JSON.stringify({ target: t, path: out, length: info.length }));
  }
}
main().catch(e => { console.error('tuf-js error:', e.constructor.name, e.message); process.exit(1); });
