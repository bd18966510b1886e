// Small pieces of page shared by the list and a link's page. Data goes in
// through textContent or attributes only, never as HTML.

export const $ = (id) => document.getElementById(id);

export function pageHref(code) {
  return `#/links/${encodeURIComponent(code)}`;
}

export function pageLink(code, text) {
  const a = document.createElement('a');
  a.href = pageHref(code);
  a.textContent = text;
  return a;
}

export function tagsHref(tags) {
  const query = new URLSearchParams();
  tags.forEach((t) => query.append('tag', t));
  return `#/?${query}`;
}

// Chips linking to the list filtered by `hrefTags(tag)`.
export function tagChips(tags, hrefTags) {
  return (tags || []).map((tag) => {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.className = 'tag';
    a.href = tagsHref(hrefTags(tag));
    a.textContent = tag;
    a.title = `Links tagged ${tag}`;
    li.append(a);
    return li;
  });
}

export function formatTime(iso) {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return String(iso);
  return at.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

// Why the link does not redirect now, as the server decides it, or "".
export function unavailableReason(link, nowMs = Date.now()) {
  if (link.valid_since && Date.parse(link.valid_since) > nowMs) return 'not valid yet';
  if (link.valid_until && Date.parse(link.valid_until) < nowMs) return 'expired';
  const visits = link.visits && typeof link.visits.total === 'number' ? link.visits.total : null;
  if (link.max_visits != null && visits !== null && visits >= link.max_visits) {
    return 'visit limit reached';
  }
  return '';
}

export function statusBadge(link) {
  const reason = unavailableReason(link);
  if (!reason) return null;
  const badge = document.createElement('span');
  badge.className = 'badge warn';
  badge.textContent = reason;
  badge.title = 'This link does not redirect now';
  return badge;
}

export function timeElement(iso) {
  const time = document.createElement('time');
  const at = new Date(iso);
  if (!Number.isNaN(at.getTime())) time.dateTime = at.toISOString();
  time.textContent = formatTime(iso);
  return time;
}

// An <a> to an http(s) url; any other value is shown as text only.
export function externalLink(url) {
  const text = String(url);
  if (!/^https?:\/\//i.test(text)) return document.createTextNode(text);
  const a = document.createElement('a');
  a.href = text;
  a.textContent = text;
  a.rel = 'noopener noreferrer';
  a.target = '_blank';
  return a;
}

// Resolves true only when the user presses Delete; Cancel and Escape keep it.
export function askDelete(code) {
  const dialog = $('confirm-delete');
  $('confirm-code').textContent = code;
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.showModal();
    $('confirm-cancel').focus();
  });
}
