import { Component, NgModule, provideZonelessChangeDetection } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { FakeEngine } from '@llstream/core/testing';
import { LLPlayerComponent, type LLPlayerHostElement } from './ll-player.component';
import { LLPlayerModule } from './ll-player.module';
import { SRC, sleep } from './testing.spec-helpers';

const fake = new FakeEngine();

/** A component of a module-based app, declared in an NgModule that imports LLPlayerModule. */
@Component({
  selector: 'app-legacy',
  standalone: false,
  template: `<llstream-player [src]="src" [engine]="engine" targetLatency="0.4" muted />`,
})
class LegacyComponent {
  readonly src = SRC;
  readonly engine = () => fake;
}

@NgModule({ declarations: [LegacyComponent], imports: [LLPlayerModule] })
class LegacyModule {}

describe('LLPlayerModule', () => {
  it('re-exports the standalone component, so NgModule apps can use <llstream-player>', async () => {
    TestBed.configureTestingModule({ imports: [LegacyModule], providers: [provideZonelessChangeDetection()] });
    const fixture = TestBed.createComponent(LegacyComponent);
    await fixture.whenStable();
    await sleep(0); // <ll-player> creates its player in the microtask after it is connected
    const host = (fixture.nativeElement as HTMLElement).querySelector<LLPlayerHostElement>('llstream-player')!;
    expect(fixture.debugElement.query((d) => d.componentInstance instanceof LLPlayerComponent)).not.toBeNull();
    expect(fake.src).toBe(SRC);
    expect(fake.muted).toBe(true);
    expect(host.player!.getSnapshot().targetLatency).toBe(0.4);
    fixture.destroy();
    await sleep(0);
    expect(fake.destroyed).toBe(true);
  });

  it('only imports and re-exports LLPlayerComponent', () => {
    const def = (LLPlayerModule as unknown as { ɵmod: { imports: unknown; exports: unknown; declarations: unknown } }).ɵmod;
    const list = (v: unknown) => (typeof v === 'function' ? (v as () => unknown[])() : v);
    expect(list(def.imports)).toEqual([LLPlayerComponent]);
    expect(list(def.exports)).toEqual([LLPlayerComponent]);
    expect(list(def.declarations)).toEqual([]);
  });
});
