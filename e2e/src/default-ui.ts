import { expect } from 'vitest';
import type { Page } from 'playwright-core';

/**
 * The controls of llstream's one default UI (`<ll-player controls>`), by
 * role and accessible name, as a viewer's assistive technology finds them;
 * names that change with state (Play/Pause, Mute/Unmute, Live/Go live) accept
 * either. Playwright's role queries pierce open shadow roots.
 */
export const DEFAULT_CONTROLS: ReadonlyArray<{ role: 'button' | 'slider'; name: RegExp }> = [
  { role: 'button', name: /^(Play|Pause)$/ },
  { role: 'button', name: /^(Mute|Unmute)$/ },
  { role: 'slider', name: /^Volume$/ },
  { role: 'button', name: /^(Live|Go live)$/ },
  { role: 'button', name: /^(Full screen|Exit full screen)$/ },
];

/** Asserts that `page` shows exactly one of each {@link DEFAULT_CONTROLS} control, inside `<ll-player>`. */
export async function expectDefaultControls(page: Page): Promise<void> {
  for (const { role, name } of DEFAULT_CONTROLS) {
    const control = page.locator('ll-player').getByRole(role, { name });
    expect(await control.count(), `${role} named ${String(name)}`).toBe(1);
  }
}
