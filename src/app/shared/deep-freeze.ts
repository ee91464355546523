/**
 * Freezes `value` and every object reachable through its own enumerable properties (array
 * elements included), as the read caches keep their values: every request shares them. Objects
 * already frozen are taken as frozen through. Walked without `Object.values`, which allocated an
 * array per object: a large model's records are thousands of objects, frozen on every reload.
 */
export function deepFreeze<T extends object>(value: T): T {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) freezeChild(value[i]);
  } else {
    const record = value as Record<string, unknown>;
    for (const key in record) if (Object.hasOwn(record, key)) freezeChild(record[key]);
  }
  return Object.freeze(value);
}

function freezeChild(child: unknown): void {
  if (child !== null && typeof child === 'object' && !Object.isFrozen(child)) deepFreeze(child);
}
