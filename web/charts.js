// Small SVG charts for a link's page, drawn into the DOM (the page's CSP
// allows no chart library from elsewhere and no inline style): clicks per
// day as bars, top-N maps as horizontal bars, and a two-part split. Colours
// and fonts come from style.css through classes. Every chart has an
// aria-label that says what it shows, and each bar a <title> for hover.
const SVG_NS = 'http://www.w3.org/2000/svg';
const DAY_MS = 86_400_000;
// Bars of the per-day chart: at least two weeks so a new link's chart is
// not one fat bar, at most about three months so bars stay readable.
const MIN_DAYS = 14;
const MAX_DAYS = 90;
// Rows of a top-N chart; the rest are summed into one "others" row.
const TOP_ROWS = 8;
// Characters of a row label before it is cut (the full one is its title).
const LABEL_CHARS = 24;

function el(tag, attrs, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

function svg(width, height, label) {
  return el('svg', {
    viewBox: `0 0 ${width} ${height}`,
    class: 'chart-svg',
    role: 'img',
    'aria-label': label,
    preserveAspectRatio: 'xMinYMin meet',
  });
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

// The container's width in CSS pixels, so text in the SVG is drawn at its
// real size (the viewBox then only scales on a later resize).
function widthOf(container, fallback) {
  return Math.max(240, Math.round(container.clientWidth) || fallback);
}

function empty(container, message) {
  const p = document.createElement('p');
  p.className = 'hint chart-empty';
  p.textContent = message;
  container.replaceChildren(p);
}

// 1, 2, 5, 10, 20, 50...: the smallest at or above n, for the y axis top.
function niceCeil(n) {
  if (n <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) {
    if (step * magnitude >= n) return step * magnitude;
  }
  return 10 * magnitude;
}

// -- clicks per day ----------------------------------------------------------

function dayKey(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

function shortDay(key) {
  const d = new Date(`${key}T00:00:00Z`);
  return d.toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
}

// Consecutive UTC days ending today (or the last day with clicks, if
// later), back to the first day with clicks within the bounds.
function dayRange(byDay, nowMs) {
  const keys = Object.keys(byDay).sort();
  const todayMs = Date.parse(`${dayKey(nowMs)}T00:00:00Z`);
  const lastKeyMs = keys.length ? Date.parse(`${keys[keys.length - 1]}T00:00:00Z`) : todayMs;
  const lastMs = Math.max(todayMs, lastKeyMs);
  const firstMs = keys.length ? Date.parse(`${keys[0]}T00:00:00Z`) : lastMs;
  const count = Math.min(MAX_DAYS, Math.max(MIN_DAYS, Math.round((lastMs - firstMs) / DAY_MS) + 1));
  const days = [];
  for (let i = count - 1; i >= 0; --i) {
    const key = dayKey(lastMs - i * DAY_MS);
    days.push({ key, count: Number(byDay[key]) || 0 });
  }
  return days;
}

// Whole numbers from 0 to `top` (a niceCeil value), at most six of them.
function ticks(top) {
  const step = top <= 5 ? 1 : top / 5;
  const out = [];
  for (let v = 0; v <= top; v += step) out.push(v);
  return out;
}

function dayAxis(chart, days, box, top) {
  for (const value of ticks(top)) {
    const y = box.bottom - ((box.bottom - box.top) * value) / top;
    chart.append(el('line', { x1: box.left, x2: box.right, y1: y, y2: y, class: 'grid' }));
    chart.append(el('text', { x: box.left - 6, y: y + 4, class: 'axis-label end' }, value));
  }
  // About six date labels, always the first and the last day.
  const every = Math.max(1, Math.ceil(days.length / 6));
  const slot = (box.right - box.left) / days.length;
  days.forEach((day, i) => {
    if (i % every !== 0 && i !== days.length - 1) return;
    // None so close to the last that the two overlap.
    if (i !== days.length - 1 && days.length - 1 - i < every / 2) return;
    const x = box.left + slot * (i + 0.5);
    const label = { x, y: box.bottom + 16, class: 'axis-label middle' };
    chart.append(el('text', label, shortDay(day.key)));
  });
  chart.append(el('text', { x: box.left, y: 12, class: 'axis-title' }, 'clicks'));
}

export function dayBars(container, byDay, nowMs = Date.now()) {
  const days = dayRange(byDay || {}, nowMs);
  const total = days.reduce((sum, d) => sum + d.count, 0);
  if (total === 0) return empty(container, 'No clicks yet.');
  const width = widthOf(container, 640);
  const height = 220;
  const box = { left: 40, right: width - 8, top: 22, bottom: height - 26 };
  const top = niceCeil(Math.max(...days.map((d) => d.count)));
  const busiest = days.reduce((a, b) => (b.count > a.count ? b : a));
  const chart = svg(
    width,
    height,
    `Clicks per day, ${days.length} days to ${days[days.length - 1].key}: ` +
      `${plural(total, 'click')}, most on ${busiest.key} (${busiest.count}).`,
  );
  dayAxis(chart, days, box, top);
  const slot = (box.right - box.left) / days.length;
  const gap = Math.min(4, slot * 0.2);
  days.forEach((day, i) => {
    const h = ((box.bottom - box.top) * day.count) / top;
    const bar = el('rect', {
      x: box.left + slot * i + gap / 2,
      y: box.bottom - h,
      width: slot - gap,
      height: Math.max(h, 0),
      class: day.count ? 'bar' : 'bar zero',
      'data-day': day.key,
      'data-count': day.count,
    });
    bar.append(el('title', {}, `${day.key}: ${plural(day.count, 'click')}`));
    chart.append(bar);
  });
  container.replaceChildren(chart);
}

// -- top N -------------------------------------------------------------------

function topRows(counts, nameOf) {
  const rows = Object.entries(counts || {})
    .map(([key, n]) => ({ key, name: nameOf(key), count: Number(n) || 0 }))
    .filter((row) => row.count > 0)
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
  if (rows.length <= TOP_ROWS) return rows;
  const rest = rows.slice(TOP_ROWS - 1);
  const others = rest.reduce((sum, row) => sum + row.count, 0);
  return [
    ...rows.slice(0, TOP_ROWS - 1),
    { key: '', name: `${rest.length} others`, count: others, others: true },
  ];
}

function cut(text) {
  return text.length > LABEL_CHARS ? `${text.slice(0, LABEL_CHARS - 1)}\u2026` : text;
}

// `what` names the rows in the label ("countries"); `nameOf` turns a key
// into the text shown.
export function topBars(container, counts, what, nameOf = (key) => key) {
  const rows = topRows(counts, nameOf);
  if (rows.length === 0) return empty(container, 'No clicks yet.');
  const rowHeight = 26;
  const width = widthOf(container, 360);
  const labelWidth = Math.min(170, Math.round(width * 0.42));
  const countWidth = 40;
  const height = rows.length * rowHeight + 4;
  const most = rows.reduce((a, b) => (b.count > a.count ? b : a)).count;
  const chart = svg(
    width,
    height,
    `Top ${what}: ${rows.map((row) => `${row.name} ${row.count}`).join(', ')}.`,
  );
  rows.forEach((row, i) => {
    const y = i * rowHeight + 2;
    const barMax = width - labelWidth - countWidth;
    const w = Math.max(2, (barMax * row.count) / most);
    const label = el('text', { x: 0, y: y + 17, class: 'row-label' }, cut(row.name));
    label.append(el('title', {}, row.name));
    const bar = el('rect', {
      x: labelWidth,
      y: y + 4,
      width: w,
      height: rowHeight - 8,
      rx: 3,
      class: row.others ? 'bar others' : 'bar',
      'data-key': row.key,
      'data-count': row.count,
    });
    bar.append(el('title', {}, `${row.name}: ${plural(row.count, 'click')}`));
    const count = el('text', { x: labelWidth + w + 6, y: y + 17, class: 'row-count' }, row.count);
    chart.append(label, bar, count);
  });
  container.replaceChildren(chart);
}

// -- people and bots -----------------------------------------------------------

function percent(n, total) {
  return Math.round((100 * n) / total);
}

// One bar split in two: [{name, count, kind}], kind a class ("people", "bots").
export function split(container, parts) {
  const total = parts.reduce((sum, p) => sum + p.count, 0);
  if (total === 0) return empty(container, 'No clicks yet.');
  const width = widthOf(container, 360);
  const height = 64;
  const chart = svg(
    width,
    height,
    parts.map((p) => `${p.name}: ${p.count} of ${total}`).join(', '),
  );
  let x = 0;
  parts.forEach((part) => {
    const w = (width * part.count) / total;
    if (w > 0) {
      const bar = el('rect', { x, y: 0, width: w, height: 26, class: `bar ${part.kind}` });
      bar.append(el('title', {}, `${part.name}: ${part.count} (${percent(part.count, total)}%)`));
      chart.append(bar);
    }
    x += w;
  });
  let legendX = 0;
  parts.forEach((part) => {
    const swatch = { x: legendX, y: 40, width: 12, height: 12, rx: 2, class: `bar ${part.kind}` };
    chart.append(el('rect', swatch));
    const text = `${part.name} ${part.count} (${percent(part.count, total)}%)`;
    chart.append(el('text', { x: legendX + 18, y: 51, class: 'row-label' }, text));
    legendX += 180;
  });
  container.replaceChildren(chart);
}
