// The API reference: renders the OpenAPI document this server generates (/api/openapi.json):
// the operations by tag with their parameters, bodies and answers, then the schemas.
// Every text from the document goes into the page as text (textContent), never as HTML.

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const SCHEMA_PREFIX = '#/components/schemas/';

/** An element with a class and children (strings become text nodes). */
function el(tag, className, ...children) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return e;
}

/** Text in which `code` spans become <code>; paragraphs split on blank lines. */
function prose(text, tag = 'p') {
  const frag = document.createDocumentFragment();
  for (const para of String(text || '').split(/\n\s*\n/)) {
    if (!para.trim()) continue;
    const p = el(tag, 'prose');
    para.replace(/\n/g, ' ').split('`').forEach((part, i) => {
      p.append(i % 2 ? el('code', null, part) : document.createTextNode(part));
    });
    frag.append(p);
  }
  return frag;
}

const schemaId = (name) => `schema-${name}`;

/** A link to a component schema. */
function schemaLink(ref) {
  const name = ref.slice(SCHEMA_PREFIX.length);
  const a = el('a', 'type', name);
  a.href = `#${schemaId(name)}`;
  return a;
}

/** A short description of a schema's type: links for references, `a | b` for choices. */
function typeOf(schema) {
  const span = el('span', 'type-expr');
  if (!schema || typeof schema !== 'object') {
    span.append('any');
    return span;
  }
  if (schema.$ref) {
    span.append(schemaLink(schema.$ref));
    return span;
  }
  const choices = schema.oneOf || schema.anyOf;
  if (choices) {
    choices.forEach((c, i) => span.append(i ? ' | ' : '', typeOf(c)));
    return span;
  }
  if (schema.allOf) {
    schema.allOf.forEach((c, i) => span.append(i ? ' & ' : '', typeOf(c)));
    return span;
  }
  const types = Array.isArray(schema.type) ? schema.type : [schema.type || 'any'];
  types.forEach((t, i) => {
    if (i) span.append(' | ');
    if (t === 'array') span.append('array of ', typeOf(schema.items));
    else if (t === 'object' && schema.additionalProperties && typeof schema.additionalProperties === 'object' && !schema.properties) {
      span.append('map of ', typeOf(schema.additionalProperties));
    } else span.append(schema.format ? `${t} (${schema.format})` : t);
  });
  return span;
}

/** Constraints worth telling: enum values, ranges, lengths, pattern, default, example. */
function constraints(schema) {
  if (!schema || typeof schema !== 'object') return null;
  const parts = [];
  if (schema.enum) parts.push(`one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`);
  if (schema.minimum !== undefined) parts.push(`≥ ${schema.minimum}`);
  if (schema.maximum !== undefined) parts.push(`≤ ${schema.maximum}`);
  if (schema.minLength !== undefined) parts.push(`at least ${schema.minLength} characters`);
  if (schema.maxLength !== undefined) parts.push(`at most ${schema.maxLength} characters`);
  if (schema.minItems !== undefined) parts.push(`at least ${schema.minItems} items`);
  if (schema.maxItems !== undefined) parts.push(`at most ${schema.maxItems} items`);
  if (schema.pattern) parts.push(`pattern ${schema.pattern}`);
  if (schema.default !== undefined) parts.push(`default ${JSON.stringify(schema.default)}`);
  if (schema.example !== undefined) parts.push(`e.g. ${JSON.stringify(schema.example)}`);
  return parts.length ? el('div', 'constraints', parts.join('; ')) : null;
}

/** A table with a header row and one row per item. */
function table(headings, rows) {
  const t = el('table');
  t.append(el('thead', null, el('tr', null, ...headings.map((h) => el('th', null, h)))));
  const body = el('tbody');
  for (const cells of rows) body.append(el('tr', null, ...cells.map((c) => el('td', null, c))));
  t.append(body);
  return t;
}

function parameters(op) {
  const list = op.parameters || [];
  if (!list.length) return null;
  const rows = list.map((p) => [
    el('code', null, p.name),
    p.in,
    typeOf(p.schema),
    p.required ? 'yes' : 'no',
    el('div', null, prose(p.description), constraints(p.schema)),
  ]);
  return el('div', null, el('h4', null, 'Parameters'), table(['name', 'in', 'type', 'required', 'description'], rows));
}

function requestBody(op) {
  const body = op.requestBody;
  if (!body) return null;
  const rows = Object.entries(body.content || {}).map(([type, c]) => [el('code', null, type), typeOf(c.schema)]);
  return el('div', null,
    el('h4', null, body.required ? 'Body (required)' : 'Body (optional)'),
    prose(body.description),
    table(['content type', 'schema'], rows));
}

function responses(op) {
  const rows = Object.entries(op.responses || {}).map(([status, r]) => {
    const content = Object.entries(r.content || {});
    const body = content.length
      ? el('span', null, ...content.flatMap(([type, c], i) => [i ? '; ' : '', typeOf(c.schema), ` (${type})`]))
      : '—';
    const headers = Object.keys(r.headers || {});
    return [
      el('span', `status s${status[0]}`, status),
      el('div', null, prose(r.description), headers.length ? el('div', 'constraints', `headers: ${headers.join(', ')}`) : null),
      body,
    ];
  });
  return el('div', null, el('h4', null, 'Answers'), table(['status', 'when', 'body'], rows));
}

function operation(path, method, op) {
  const id = op.operationId || `${method}-${path}`;
  const section = el('section', 'operation');
  section.id = id;
  section.append(
    el('h3', null, el('span', `method ${method}`, method.toUpperCase()), ' ', el('code', 'path', path)),
    el('p', 'summary', op.summary || ''),
    prose(op.description),
  );
  if (op.security && op.security.some((s) => Object.keys(s).length)) {
    section.append(el('p', 'note', 'With WACLOUD_API_KEY set: Authorization: Bearer <key> or X-API-Key: <key>.'));
  }
  for (const part of [parameters(op), requestBody(op), responses(op)]) if (part) section.append(part);
  return section;
}

function schemaSection(name, schema) {
  const section = el('section', 'schema');
  section.id = schemaId(name);
  section.append(el('h3', null, el('code', null, name)), prose(schema.description));
  const props = Object.entries(schema.properties || {});
  if (props.length) {
    const required = new Set(schema.required || []);
    section.append(table(['field', 'type', 'required', 'description'], props.map(([field, s]) => [
      el('code', null, field),
      typeOf(s),
      required.has(field) ? 'yes' : 'no',
      el('div', null, prose(s.description), constraints(s)),
    ])));
  } else {
    section.append(el('p', null, 'Type: ', typeOf(schema)), constraints(schema) || '');
  }
  const extra = schema.additionalProperties;
  if (props.length && extra && typeof extra === 'object') {
    section.append(el('p', 'note', 'Other members may appear: ', typeOf(extra), extra.description ? ` (${extra.description})` : ''));
  }
  return section;
}

function render(doc) {
  const main = document.getElementById('reference');
  const toc = document.getElementById('toc');
  main.replaceChildren();
  toc.replaceChildren();
  document.getElementById('version').textContent = `${doc.info?.version ?? ''} · OpenAPI ${doc.openapi}`;
  main.append(prose(doc.info?.description));

  const byTag = new Map((doc.tags || []).map((t) => [t.name, { tag: t, ops: [] }]));
  for (const [path, item] of Object.entries(doc.paths || {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const name = (op.tags || ['other'])[0];
      if (!byTag.has(name)) byTag.set(name, { tag: { name }, ops: [] });
      byTag.get(name).ops.push([path, method, op]);
    }
  }
  for (const { tag, ops } of byTag.values()) {
    if (!ops.length) continue;
    const group = el('section', 'tag');
    group.id = `tag-${tag.name}`;
    group.append(el('h2', null, tag.name), prose(tag.description));
    const links = el('ul');
    for (const [path, method, op] of ops) {
      group.append(operation(path, method, op));
      // The table of contents leaves out the REST API's common prefix; the title has it all.
      const a = el('a', null, el('span', `method ${method}`, method.toUpperCase()), ' ', path.replace(/^\/api\/whatsapp(?=\/)/, '…'));
      a.href = `#${op.operationId || `${method}-${path}`}`;
      a.title = path;
      links.append(el('li', null, a));
    }
    toc.append(el('h2', null, tag.name), links);
    main.append(group);
  }

  const schemas = doc.components?.schemas || {};
  const group = el('section', 'tag');
  group.id = 'schemas';
  group.append(el('h2', null, 'Schemas'));
  const links = el('ul');
  for (const name of Object.keys(schemas).sort()) {
    group.append(schemaSection(name, schemas[name]));
    const a = el('a', null, name);
    a.href = `#${schemaId(name)}`;
    links.append(el('li', null, a));
  }
  toc.append(el('h2', null, 'Schemas'), links);
  main.append(group);
  if (location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView();
}

async function load() {
  try {
    const res = await fetch('/api/openapi.json', { headers: { Accept: 'application/json' } });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    render(await res.json());
  } catch (e) {
    document.getElementById('status').textContent = `Cannot load /api/openapi.json: ${e.message}`;
  }
}
load();
