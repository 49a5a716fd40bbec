/**
 * An answer read whole. `body` is the parsed JSON when the text is JSON, else the text itself (a
 * metrics page), undefined when empty; tests look into it freely, an assertion checks its shape.
 */
export interface Answer<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function readAnswer(response: Response): Promise<Answer> {
  const text = await response.text();
  let body: unknown = text || undefined;
  try {
    if (text) body = JSON.parse(text);
  } catch {
    // Not JSON: the text stands as the body.
  }
  return { status: response.status, headers: response.headers, body, text };
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}
