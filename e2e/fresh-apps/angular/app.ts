import { Component } from '@angular/core';
import { LLPlayerComponent } from '@llstream/angular';

@Component({ selector: 'app-root', imports: [LLPlayerComponent], template: `<llstream-player src="http://localhost:8080/live/demo/manifest.mpd" muted autoplay controls />` })
export class App {}
