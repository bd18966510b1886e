// linkly's API as the page calls it: JSON in and out, the token on every
// request, and failures as ApiError with a message fit to show.

// The token lives in this page's memory only; a reload asks again.
export const session = { token: '' };

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// Every request carries the token: writes need it, reads accept it too.
export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, 'The server cannot be reached. Is linkly running?');
  }
  if (res.status === 204) return null;
  let data = null;
  try {
    data = await res.json();
  } catch (err) {
    data = null;
  }
  if (!res.ok) {
    const said = data && typeof data.error === 'string' ? data.error : res.statusText;
    throw new ApiError(res.status, describe(res.status, said));
  }
  return data;
}

function describe(status, said) {
  const text = said ? said.charAt(0).toUpperCase() + said.slice(1) : `HTTP ${status}`;
  if (status === 401) return `Not signed in: ${said || 'token refused'}.`;
  if (status === 503) return `${text} (the server is busy, try again).`;
  return text.endsWith('.') ? text : `${text}.`;
}

// POST /login sets the HttpOnly session cookie that EventSource needs.
export async function login(candidate) {
  const headers = {};
  if (candidate) headers.Authorization = `Bearer ${candidate}`;
  let res;
  try {
    res = await fetch('/login', { method: 'POST', headers, credentials: 'same-origin' });
  } catch (err) {
    throw new ApiError(0, 'The server cannot be reached. Is linkly running?');
  }
  if (res.ok) return;
  if (res.status === 401) throw new ApiError(401, 'Wrong token.');
  let said = '';
  try {
    const data = await res.json();
    if (data && typeof data.error === 'string') said = data.error;
  } catch (err) {
    said = '';
  }
  throw new ApiError(res.status, describe(res.status, said || res.statusText));
}
