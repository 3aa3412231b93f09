// The few DOM helpers the screens are built with, so the page needs no framework.

type Attributes = Record<string, string | boolean | undefined>;
type Child = Node | string | null | undefined | false;

/** An element with attributes (`true` sets an empty one, `false`/`undefined` skip it) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === true) element.setAttribute(name, "");
    else if (typeof value === "string") element.setAttribute(name, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) element.append(child);
  }
  return element;
}

/** Replaces what the page shows with one screen; browser tests find it by `data-screen`. */
export function show(name: string, ...children: Child[]): HTMLElement {
  const app = document.getElementById("app");
  if (!app) throw new Error("the page has no #app element");
  const screen = h("section", { "data-screen": name }, ...children);
  app.replaceChildren(screen);
  app.dataset.screen = name;
  window.scrollTo(0, 0);
  return screen;
}

export function button(label: string, testId: string, onClick: () => void, className = "primary"): HTMLButtonElement {
  const element = h("button", { type: "button", class: className, "data-testid": testId }, label);
  element.addEventListener("click", onClick);
  return element;
}
