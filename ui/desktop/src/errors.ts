// What the UI shows for a failed call: a command's `UserError`, or whatever else was thrown.

import type { UserError } from "../../bindings/core";

export function isUserError(value: unknown): value is UserError {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as UserError).code === "string" &&
    typeof (value as UserError).message === "string"
  );
}

export function errorMessage(reason: unknown): string {
  if (isUserError(reason)) return reason.message;
  if (reason instanceof Error) return reason.message;
  return String(reason);
}
