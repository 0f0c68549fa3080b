// Validate SARIF logs against the official SARIF 2.1.0 JSON schema (sarif-2.1.0-rtm.5, as
// shipped in the npm package @microsoft/jest-sarif) with ajv 6 (JSON Schema draft-04).
// Usage: node validate.js FILE...   Exit 0 when every file is valid, 1 otherwise.
'use strict';
const fs = require('fs');
const Ajv = require('ajv');
const schema = require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');

const ajv = new Ajv({ schemaId: 'id', meta: false, allErrors: true, format: 'full' });
ajv.addMetaSchema(require('ajv/lib/refs/json-schema-draft-04.json'));
const validate = ajv.compile(schema);

let failed = 0;
for (const file of process.argv.slice(2)) {
  const log = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (validate(log)) {
    console.log(`valid: ${file}`);
  } else {
    failed += 1;
    console.log(`INVALID: ${file}`);
    for (const e of validate.errors) {
      console.log(`  ${e.dataPath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
    }
  }
}
process.exit(failed === 0 && process.argv.length > 2 ? 0 : 1);
