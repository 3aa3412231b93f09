// Which camera a tap on "switch camera" asks for: on a phone the other side (front ↔ back),
// elsewhere (or when that fails) the next camera in the device list.

/** What to ask getUserMedia for. */
export type CameraChoice = { facingMode: "user" | "environment" } | { deviceId: string };

/** The open camera, as its track's getSettings() tells. */
export type OpenCamera = { deviceId?: string; facingMode?: string };

/**
 * The cameras to try, in order: the other facing first when the open one says which way it
 * faces (phones list several back lenses, and the facing picks the usual one), then the next
 * camera in `cameraIds` after the open one, wrapping round. Empty with fewer than two cameras.
 */
export function switchChoices(cameraIds: readonly string[], open: OpenCamera): CameraChoice[] {
  if (cameraIds.length < 2) return [];
  const choices: CameraChoice[] = [];
  if (open.facingMode === "user") choices.push({ facingMode: "environment" });
  if (open.facingMode === "environment") choices.push({ facingMode: "user" });
  const at = open.deviceId ? cameraIds.indexOf(open.deviceId) : -1;
  const next = cameraIds[(at + 1) % cameraIds.length];
  if (next && next !== open.deviceId) choices.push({ deviceId: next });
  return choices;
}

/** The preview is mirrored like a mirror for the front camera only. */
export function mirrored(open: OpenCamera): boolean {
  return open.facingMode !== "environment";
}
