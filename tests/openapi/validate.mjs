// Validates every response the service tests recorded (VAPI_CACHE_RESPONSE_LOG: one JSON line
// per response, tests/support/http_client.hpp) against openapi.yaml: its status must be
// described for its path and method (a path the document lacks: x-unmatched-requests'
// unknownPath; a method it lacks: otherMethod, whose Allow must name the path's methods), the
// headers it describes present and valid, the content type one it lists, and the body valid
// against that content's schema (JSON bodies parsed; text bodies, /metrics, as strings). The
// served document must equal openapi.yaml. Prints the count; fails listing the first mismatches.
// Usage: node validate.mjs <openapi.yaml> <responses.jsonl>
import fs from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { loadDocument, makeAjv, resolve, pointer, matchPath, METHODS } from "./openapi_doc.mjs";

const [file, logFile] = process.argv.slice(2);
const doc = loadDocument(file);
const ajv = makeAjv(doc, { strict: false });
const unmatched = doc["x-unmatched-requests"];
const served = structuredClone(doc);
delete served.$id;

const lines = fs.readFileSync(logFile, "utf8").split("\n").filter(Boolean);
const mismatches = [];
const seen = new Map();  // "METHOD template status" -> count
const skipped = [];
let validated = 0;

// "text/plain; version=0.0.4; charset=utf-8" -> {type: "text/plain", params: {...}}
function mediaType(text) {
  const [type, ...params] = String(text).split(";").map((s) => s.trim());
  return {
    type: type.toLowerCase(),
    params: Object.fromEntries(params.filter(Boolean).map((p) => {
      const eq = p.indexOf("=");
      return [p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim().replace(/^"|"$/g, "")];
    })),
  };
}

// The content key a response's Content-Type matches: same type (a "*" subtype or "+json" range
// matching), and every parameter the key names with the same value.
function contentKey(content, actual) {
  const got = mediaType(actual);
  return Object.keys(content).find((key) => {
    const want = mediaType(key);
    const [top, sub] = want.type.split("/");
    const [gotTop, gotSub] = got.type.split("/");
    const typeOk = want.type === got.type || (top === gotTop && (sub === "*" ||
                   (sub.startsWith("*+") && gotSub.endsWith(sub.slice(1)))));
    return typeOk && Object.entries(want.params).every(([k, v]) => got.params[k] === v);
  });
}

function validateAgainst(schemaPointer, value, dataVar = "body") {
  const check = ajv.getSchema(`${doc.$id}${schemaPointer}`);
  if (check(value)) return null;
  return ajv.errorsText(check.errors, { separator: "; ", dataVar });
}

// Every problem with one recorded response, against the responses that describe it.
function problemsOf(r, responses, responsesPointer, where) {
  const problems = [];
  const status = String(r.status);
  const key = [status, `${status[0]}XX`, "default"].find((k) => responses[k]);
  if (!key) return [`status ${status} is not described for ${where}`];
  const response = resolve(doc, responses[key]);
  const responsePointer = responses[key].$ref
    ? responses[key].$ref : `${responsesPointer}/${key.replaceAll("/", "~1")}`;
  for (const [name, ref] of Object.entries(response.headers || {})) {
    const header = resolve(doc, ref);
    const value = r.headers[name.toLowerCase()];
    if (value === undefined) {
      if (header.required) problems.push(`header ${name} is missing`);
      continue;
    }
    const schema = resolve(doc, header.schema || {});
    const typed = schema.type === "integer" && /^-?[0-9]+$/.test(value) ? Number(value) : value;
    const headerPointer = ref.$ref ? ref.$ref : `${responsePointer}/headers/${name}`;
    const error = validateAgainst(`${headerPointer}/schema`, typed, name);
    if (error) problems.push(`header ${error}`);
  }
  if (!response.content) {
    if (r.body.length) problems.push("a body where none is described");
    return problems;
  }
  const type = r.headers["content-type"];
  const media = contentKey(response.content, type);
  if (!media) return [...problems, `content type ${type} is not one of ${Object.keys(response.content)}`];
  const schemaPointer = `${responsePointer}/content/${media.replaceAll("/", "~1")}/schema`;
  let body = r.body;
  if (/[/+]json$/.test(mediaType(media).type)) {
    try {
      body = JSON.parse(r.body);
    } catch (e) {
      return [...problems, `body is not JSON: ${e.message}`];
    }
  }
  const error = validateAgainst(schemaPointer, body);
  if (error) problems.push(error);
  return problems;
}

for (const line of lines) {
  const r = JSON.parse(line);
  if (!r.method || !r.target) {  // sent bytes held no request line: deliberately malformed
    skipped.push(`${r.status} from ${r.test}`);
    continue;
  }
  const path = r.target.split("?")[0];
  const template = matchPath(doc, path);
  const method = r.method.toLowerCase();
  let responses;
  let responsesPointer;
  let where;
  if (!template) {
    responses = { ...unmatched.connection, ...unmatched.unknownPath };
    responsesPointer = pointer("x-unmatched-requests", "unknownPath");
    where = `${r.method} ${path} (no such path)`;
  } else if (!METHODS.includes(method) || !doc.paths[template][method]) {
    responses = { ...unmatched.connection, ...unmatched.otherMethod };
    responsesPointer = pointer("x-unmatched-requests", "otherMethod");
    where = `${r.method} ${template} (no such method)`;
  } else {
    responses = doc.paths[template][method].responses;
    responsesPointer = pointer("paths", template, method, "responses");
    where = `${r.method} ${template}`;
  }
  const problems = problemsOf(r, responses, responsesPointer, where);
  if (template && !doc.paths[template][method] && r.status === 405) {
    const allow = METHODS.filter((m) => doc.paths[template][m]).map((m) => m.toUpperCase()).join(", ");
    if (r.headers.allow !== allow) problems.push(`Allow: ${r.headers.allow}, the document says ${allow}`);
  }
  if (template === "/api/v1/vapi/openapi.json" && method === "get" && r.status === 200 &&
      !isDeepStrictEqual(JSON.parse(r.body), served))
    problems.push("the served document is not openapi.yaml (rebuild the service)");
  const label = `${r.method} ${template || "(unknown path)"} ${r.status}`;
  seen.set(label, (seen.get(label) || 0) + 1);
  if (problems.length)
    mismatches.push(`${where} -> ${r.status} (${r.binary} ${r.test}): ${problems.join("; ")}\n` +
                    `    body: ${r.body.slice(0, 300)}`);
  else
    ++validated;
}

console.log(`validated ${validated} of ${lines.length} recorded responses against openapi.yaml` +
            ` (${skipped.length} skipped: no request line sent${skipped.length ? ": " + skipped.join(", ") : ""})`);
for (const [label, n] of [...seen].sort()) console.log(`  ${String(n).padStart(5)}  ${label}`);
const unseen = [];
for (const [template, item] of Object.entries(doc.paths))
  for (const method of METHODS.filter((m) => item[m]))
    for (const status of Object.keys(item[method].responses))
      if (!seen.has(`${method.toUpperCase()} ${template} ${status}`))
        unseen.push(`${method.toUpperCase()} ${template} ${status}`);
console.log(`described but not exercised by these tests (${unseen.length}): ${unseen.join(", ")}`);
if (!lines.length) {
  console.error("no response was recorded: VAPI_CACHE_RESPONSE_LOG is not honoured");
  process.exit(1);
}
if (mismatches.length) {
  console.error(`${mismatches.length} responses do not match openapi.yaml; the first:`);
  for (const m of mismatches.slice(0, 20)) console.error(`- ${m}`);
  process.exit(1);
}
