// Lints openapi.yaml: the OpenAPI 3.1 schema and every $ref (@seriousme/openapi-schema-validator),
// every JSON Schema in it compiled by ajv in strict mode (a misspelt keyword is an error, which
// OpenAPI itself allows), and the service's own rules: every operation has an operationId,
// lists the connection layer's answers, and every response it describes carries X-Request-Id
// (a 503 may not: the refusal at accept).
// Usage: node lint.mjs <openapi.yaml>
import fs from "node:fs";
import { Validator } from "@seriousme/openapi-schema-validator";
import { loadDocument, makeAjv, resolve, METHODS } from "./openapi_doc.mjs";

const file = process.argv[2];
const problems = [];

const validator = new Validator();
const result = await validator.validate(fs.readFileSync(file, "utf8"));
if (!result.valid)
  problems.push(`not a valid OpenAPI document: ${JSON.stringify(result.errors, null, 1)}`);
if (validator.version !== "3.1") problems.push(`OpenAPI version ${validator.version}, not 3.1`);

const doc = loadDocument(file);
const ajv = makeAjv(doc, { strict: true });

// Every schema object in the document, by JSON pointer.
function* schemas(node, pointer, isSchema) {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; ++i) yield* schemas(node[i], `${pointer}/${i}`, isSchema);
    return;
  }
  if (!node || typeof node !== "object") return;
  if (isSchema) {
    yield pointer;
    return;  // ajv compiles the subschemas with it
  }
  for (const [key, value] of Object.entries(node)) {
    const at = `${pointer}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`;
    if (key === "schema" || (pointer === "#/components/schemas")) yield* schemas(value, at, true);
    else if (key !== "examples" && key !== "example") yield* schemas(value, at, false);
  }
}
let compiled = 0;
for (const pointer of schemas(doc, "#", false)) {
  try {
    ajv.getSchema(`${doc.$id}${pointer}`) || problems.push(`${pointer}: cannot be compiled`);
    ++compiled;
  } catch (e) {
    problems.push(`${pointer}: ${e.message}`);
  }
}

const connection = Object.keys(doc["x-unmatched-requests"].connection);
const operationIds = new Set();
for (const [path, item] of Object.entries(doc.paths)) {
  for (const method of METHODS.filter((m) => item[m])) {
    const op = item[method];
    const where = `${method.toUpperCase()} ${path}`;
    if (!op.operationId) problems.push(`${where}: no operationId`);
    if (operationIds.has(op.operationId)) problems.push(`${where}: operationId repeated`);
    operationIds.add(op.operationId);
    for (const status of connection)
      if (!op.responses[status]) problems.push(`${where}: does not list ${status}`);
    for (const [status, ref] of Object.entries(op.responses)) {
      const response = resolve(doc, ref);
      const id = response.headers && response.headers["X-Request-Id"];
      // Required but on a 503: the refusal at accept is sent before any request is read.
      if (!id || (resolve(doc, id).required !== true && status !== "503"))
        problems.push(`${where} ${status}: no required X-Request-Id header`);
      if (!response.content) problems.push(`${where} ${status}: no content`);
    }
  }
}

if (problems.length) {
  console.error(`openapi.yaml: ${problems.length} problems:\n- ${problems.join("\n- ")}`);
  process.exit(1);
}
console.log(`openapi.yaml: valid OpenAPI ${doc.openapi}; ${compiled} schemas compile strictly; ` +
            `${operationIds.size} operations follow the service's rules`);
