// Who this tab is: the token (a field, or #token= in the URL, kept in localStorage), its subject,
// a display name and a colour. The token's claims are read only to name the user: the server checks it.

const TOKEN_KEY = "docsync.token";
const NAME_KEY = "docsync.name";
const COLORS = ["#e91e63", "#3f51b5", "#009688", "#ff9800", "#9c27b0", "#4caf50", "#795548", "#2196f3"];

/** A #token=… in the URL is taken into storage and removed from the address bar (it is a secret). */
export function takeTokenFromUrl() {
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get("token");
  if (token) {
    localStorage.setItem(TOKEN_KEY, token.trim());
    params.delete("token");
    const rest = params.toString();
    history.replaceState(null, "", location.pathname + location.search + (rest ? `#${rest}` : ""));
  }
}

export function storedToken() {
  return localStorage.getItem(TOKEN_KEY) || null;
}

export function saveToken(token) {
  if (token) localStorage.setItem(TOKEN_KEY, token.trim());
  else localStorage.removeItem(TOKEN_KEY);
}

/** The JWT's claims, or null when the text is not a JWT at all. */
export function claimsOf(token) {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  try {
    const json = atob(parts[1].replace(/-/g, "+").replace(/_/g, "/"));
    const claims = JSON.parse(decodeURIComponent(escape(json)));
    return typeof claims === "object" && claims !== null ? claims : null;
  } catch {
    return null;
  }
}

/** Why this token cannot work, judged locally (the server has the last word), or null. */
export function localProblem(token) {
  const claims = claimsOf(token);
  if (!claims || typeof claims.sub !== "string" || !claims.sub) return "This is not a docsync token (a JWT with a sub).";
  if (typeof claims.exp === "number" && claims.exp * 1000 < Date.now()) {
    return `This token expired at ${new Date(claims.exp * 1000).toLocaleString()}: get a fresh one.`;
  }
  return null;
}

export function colorOf(text) {
  let h = 0;
  for (const c of text) h = (h * 31 + c.codePointAt(0)) >>> 0;
  return COLORS[h % COLORS.length];
}

/** One identity per tab: presence participant ids must be the token's sub or sub/…; chat authors the sub. */
export function identity(token) {
  const sub = claimsOf(token).sub;
  const tab = Math.random().toString(36).slice(2, 10);
  return {
    sub,
    peerId: `${sub}/${tab}`,
    name: localStorage.getItem(NAME_KEY) || sub,
    color: colorOf(sub),
  };
}

export function saveName(name) {
  localStorage.setItem(NAME_KEY, name);
}
