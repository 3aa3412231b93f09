// "Export diagnostics" in Settings: the name the save dialog offers.

/** `clipdesk-diagnostics-YYYYMMDD-HHMM.zip`, in this computer's local time. */
export function diagnosticsFileName(now: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  const day = `${now.getFullYear()}${two(now.getMonth() + 1)}${two(now.getDate())}`;
  return `clipdesk-diagnostics-${day}-${two(now.getHours())}${two(now.getMinutes())}.zip`;
}
