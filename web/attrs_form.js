// The link attributes of the create and the edit form (title, tags,
// validity window, visit limit, two switches) under the API's JSON names.
// The fields come from the <template id="attr-fields"> in index.html.

import { $ } from './dom.js';

// A new link's attributes when a request names none (PLAN: the API's
// defaults), so create sends only what the user changed.
const DEFAULT_ATTRS = {
  title: null,
  tags: [],
  valid_since: null,
  valid_until: null,
  max_visits: null,
  forward_query: true,
  crawlable: false,
};

function field(form, name) {
  return form.elements.namedItem(name);
}

// "a, b,,a " -> ["a", "b"]: the order typed, each once.
function parseTags(text) {
  const tags = text.split(',').map((t) => t.trim()).filter(Boolean);
  return [...new Set(tags)];
}

// A datetime-local value (the user's time zone) as RFC 3339 UTC, or null.
function toRfc3339(local) {
  if (!local) return null;
  const at = new Date(local);
  if (Number.isNaN(at.getTime())) throw new Error(`Not a date and time: ${local}.`);
  return at.toISOString();
}

// An ISO time as a datetime-local value in the user's time zone ("" for none).
function toLocalInput(iso) {
  if (!iso) return '';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '';
  const pad = (n) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}` +
    `T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

// Equal as the form can tell: times to the minute, tags as a set.
function sameAttr(key, a, b) {
  if (key === 'tags') return [...(a || [])].sort().join('\n') === [...(b || [])].sort().join('\n');
  if (key === 'valid_since' || key === 'valid_until') {
    return (a ? a.slice(0, 16) : null) === (b ? new Date(b).toISOString().slice(0, 16) : null);
  }
  return (a ?? null) === (b ?? null);
}

export const attrsForm = {
  // Puts the fields (a <template> in index.html) into the form.
  mount(form) {
    form.querySelector('.attr-slot').replaceChildren($('attr-fields').content.cloneNode(true));
  },

  // The form's values under the API's names; throws an Error in words for
  // what the server would refuse anyway.
  read(form) {
    const maxText = field(form, 'max_visits').value.trim();
    const max = maxText ? Number(maxText) : null;
    if (max !== null && (!Number.isInteger(max) || max < 1)) {
      throw new Error('Max visits must be a whole number, at least 1.');
    }
    const since = toRfc3339(field(form, 'valid_since').value);
    const until = toRfc3339(field(form, 'valid_until').value);
    if (since && until && since > until) {
      throw new Error('"Valid from" must not be after "Valid until".');
    }
    return {
      title: field(form, 'title').value.trim() || null,
      tags: parseTags(field(form, 'tags').value),
      valid_since: since,
      valid_until: until,
      max_visits: max,
      forward_query: field(form, 'forward_query').checked,
      crawlable: field(form, 'crawlable').checked,
    };
  },

  // The fields that differ from `base` (null clears one; tags [] clears).
  changes(attrs, base) {
    const body = {};
    for (const [key, value] of Object.entries(attrs)) {
      if (!sameAttr(key, value, base[key] ?? DEFAULT_ATTRS[key])) body[key] = value;
    }
    return body;
  },

  forCreate(attrs) {
    return this.changes(attrs, DEFAULT_ATTRS);
  },

  fill(form, link) {
    field(form, 'title').value = link.title || '';
    field(form, 'tags').value = (link.tags || []).join(', ');
    field(form, 'valid_since').value = toLocalInput(link.valid_since);
    field(form, 'valid_until').value = toLocalInput(link.valid_until);
    field(form, 'max_visits').value = link.max_visits == null ? '' : String(link.max_visits);
    field(form, 'forward_query').checked = link.forward_query !== false;
    field(form, 'crawlable').checked = link.crawlable === true;
  },
};
