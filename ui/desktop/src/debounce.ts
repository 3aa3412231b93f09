// Runs a function once the calls to it stop for `ms`, e.g. a search while the operator types.

export type Debounced = (() => void) & { cancel(): void };

export function debounce(run: () => void, ms: number): Debounced {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const debounced = () => {
    clearTimeout(timer);
    timer = setTimeout(run, ms);
  };
  debounced.cancel = () => clearTimeout(timer);
  return debounced;
}
