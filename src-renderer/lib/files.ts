/** Reading a picked or dropped file into the base64 the import method takes. */
export function fileToBase64(f: File): Promise<string> {
  return new Promise((ok, fail) => {
    const r = new FileReader();
    r.onload = () => {
      const s = String(r.result);
      ok(s.slice(s.indexOf(',') + 1));
    };
    r.onerror = () => fail(new Error(`${f.name}: cannot be read (${r.error?.message ?? 'unknown error'})`));
    r.readAsDataURL(f);
  });
}
