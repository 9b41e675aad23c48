// Small DOM helpers. Labels, method titles and error messages come from user
// code in the kernel, so text is only ever assigned through textContent; this
// module deliberately has no way to set HTML.

type Attrs = Record<string, string | number | boolean>;

/** Create an element with classes and attributes (attribute values are text). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  attrs: Attrs = {},
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Set the visible text of a node, skipping the write when nothing changed. */
export function setText(node: Node, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

/** Remove all children. */
export function clear(node: Node): void {
  while (node.firstChild) node.removeChild(node.firstChild);
}

/**
 * Add a stylesheet once per document (or shadow root). If a newer bundle
 * brings different CSS under the same id, the old text is replaced so a
 * reloaded widget does not keep stale styles.
 */
export function injectStyle(id: string, css: string, where?: Node): void {
  const root = where?.getRootNode?.();
  const container: ParentNode | null =
    typeof ShadowRoot !== "undefined" && root instanceof ShadowRoot ? root : document.head;
  if (!container) return;
  let style = container.querySelector<HTMLStyleElement>(`style#${id}`);
  if (!style) {
    style = document.createElement("style");
    style.id = id;
    container.appendChild(style);
  }
  if (style.textContent !== css) style.textContent = css;
}
