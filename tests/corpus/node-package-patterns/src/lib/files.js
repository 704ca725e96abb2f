'use strict';
const fs = require('node:fs');
const path = require('node:path');

// Every file of the deployed package, relative to its root.
function packaged(root = process.env.LAMBDA_TASK_ROOT) {
  const out = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(path.relative(root, full));
    }
  };
  walk(root);
  return out.sort();
}

module.exports = { packaged };
