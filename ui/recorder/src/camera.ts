// The front camera and MediaRecorder: opening the preview, recording it, handing back a file.

import type { CameraChoice, OpenCamera } from "./cameraSwitch";
import { chooseFormat, extensionFor } from "./mime";

/** Whether this browser can record at all; older in-app webviews have no MediaRecorder. */
export function canRecord(): boolean {
  return typeof MediaRecorder !== "undefined" && !!navigator.mediaDevices?.getUserMedia;
}

/**
 * A camera and the microphone, portrait-sized when the phone allows: the user-facing one,
 * or exactly `choice` (a switch must not quietly land on the same camera again).
 */
export function openCamera(choice?: CameraChoice): Promise<MediaStream> {
  const which: MediaTrackConstraints = !choice
    ? { facingMode: "user" }
    : "deviceId" in choice
      ? { deviceId: { exact: choice.deviceId } }
      : { facingMode: { exact: choice.facingMode } };
  return navigator.mediaDevices.getUserMedia({
    video: { ...which, width: { ideal: 720 }, height: { ideal: 1280 } },
    audio: { echoCancellation: true, noiseSuppression: true },
  });
}

/** The device ids of the cameras; meaningful once the camera was allowed (ids are hidden before). */
export async function cameraIds(): Promise<string[]> {
  if (!navigator.mediaDevices?.enumerateDevices) return [];
  const devices = await navigator.mediaDevices.enumerateDevices().catch(() => []);
  return devices.filter((device) => device.kind === "videoinput" && device.deviceId).map((device) => device.deviceId);
}

/** Which camera `stream` shows. */
export function openCameraOf(stream: MediaStream): OpenCamera {
  const settings = stream.getVideoTracks()[0]?.getSettings() ?? {};
  return { deviceId: settings.deviceId, facingMode: settings.facingMode };
}

/** Turns the camera off, so its light goes out as soon as the page no longer needs it. */
export function closeCamera(stream: MediaStream | null): void {
  stream?.getTracks().forEach((track) => track.stop());
}

export type Recording = {
  /** Stops recording; resolves with the recorded file (empty when nothing was captured). */
  stop(): Promise<File>;
};

export function startRecording(stream: MediaStream): Recording {
  const format = chooseFormat((type) => MediaRecorder.isTypeSupported(type));
  const recorder = new MediaRecorder(stream, format ? { mimeType: format.mimeType } : undefined);
  const chunks: Blob[] = [];
  recorder.ondataavailable = (event) => {
    if (event.data.size > 0) chunks.push(event.data);
  };
  const stopped = new Promise<File>((resolve) => {
    recorder.onstop = () => {
      // The recorder's own mimeType tells what it really produced (Safari may differ from what we asked).
      const type = recorder.mimeType || format?.mimeType || "video/webm";
      const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
      const file = new File(chunks, `recording-${stamp}.${extensionFor(type)}`, { type: type.split(";")[0] ?? type });
      resolve(file);
    };
  });
  // A timeslice keeps data flowing in pieces, so a long take is not one huge buffer at stop.
  recorder.start(1000);
  return {
    stop() {
      if (recorder.state !== "inactive") recorder.stop();
      return stopped;
    },
  };
}
