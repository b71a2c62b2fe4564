import { NgModule } from '@angular/core';
import { LLPlayerComponent } from './ll-player.component';

/**
 * For NgModule-based apps: imports and re-exports the standalone
 * {@link LLPlayerComponent}, and nothing else. Standalone apps import the
 * component directly.
 */
@NgModule({
  imports: [LLPlayerComponent],
  exports: [LLPlayerComponent],
})
export class LLPlayerModule {}
