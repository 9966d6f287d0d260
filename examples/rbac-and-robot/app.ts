/** This example's app: index.html, the SPA served at http://app.mycorp.localhost:<port>/. */
import { pageApp, type Hosts } from '../shared/kit.ts';

export const hosts: Hosts = { app: 'app.mycorp.localhost', api: 'api.mycorp.localhost' };
export default pageApp(import.meta.dir);
