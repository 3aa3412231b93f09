import { afterEach, describe, expect, it, vi } from "vitest";
import { debounce } from "./debounce";

afterEach(() => {
  vi.useRealTimers();
});

describe("debounce", () => {
  it("runs once after the calls stop", () => {
    vi.useFakeTimers();
    const run = vi.fn();
    const search = debounce(run, 200);
    search();
    vi.advanceTimersByTime(150);
    search();
    vi.advanceTimersByTime(150);
    expect(run).not.toHaveBeenCalled();
    vi.advanceTimersByTime(50);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it("runs nothing once cancelled", () => {
    vi.useFakeTimers();
    const run = vi.fn();
    const search = debounce(run, 200);
    search();
    search.cancel();
    vi.advanceTimersByTime(500);
    expect(run).not.toHaveBeenCalled();
  });
});
