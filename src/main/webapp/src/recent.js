// The documents this browser opened lately, newest first (localStorage).
const KEY = "docsync.recent";
const MAX = 20;

export function recentDocs() {
  try {
    const list = JSON.parse(localStorage.getItem(KEY) || "[]");
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}

export function remember(docId, title) {
  const list = recentDocs().filter((d) => d.docId !== docId);
  list.unshift({ docId, title: title || "", at: Date.now() });
  localStorage.setItem(KEY, JSON.stringify(list.slice(0, MAX)));
}
