/** This example's app: index.html, served to the page at http://app.foo.localhost:<port>/. */
import { pageApp, type Hosts } from '../shared/kit.ts';

export const hosts: Hosts = { app: 'app.foo.localhost', api: 'app.foo.localhost' };
export default pageApp(import.meta.dir);
