import { ChangeDetectionStrategy, Component, signal } from '@angular/core';
import { LLPlayerComponent, type LatencyChange, type PlayerError } from '@llstream/angular';

/** Where the stream comes from: `?src=` in the page URL, else the local origin's demo stream (`npm start`). */
const src = new URLSearchParams(location.search).get('src') ?? 'http://localhost:8080/live/demo/manifest.mpd';

@Component({
  selector: 'app-root',
  imports: [LLPlayerComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>llstream in Angular</h1>
    <llstream-player [src]="src" muted autoplay controls (latencyChange)="latency.set($event)" (error)="error.set($event)" />
    <p>
      Live latency {{ latency()?.liveLatency ?? '–' }} s, target {{ latency()?.targetLatency ?? '–' }} s.
      @if (error(); as e) { <strong>Error ({{ e.code }}): {{ e.message }}</strong> }
    </p>
  `,
  styles: `
    :host { display: block; max-width: 960px; margin: 24px auto; font: 15px/1.5 system-ui, sans-serif; }
    llstream-player { width: 100%; }
  `,
})
export class AppComponent {
  protected readonly src = src;
  protected readonly latency = signal<LatencyChange | null>(null);
  protected readonly error = signal<PlayerError | null>(null);
}
