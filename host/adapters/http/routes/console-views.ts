import { consoleViews } from '../console-views';
import type { RouteModule } from '../router';

/** The plugins' console pages, for the console's navigation (scripts served at /console/plugins/<id>/<script>). */
export const consoleViewRoutes: RouteModule = (r) => {
  r.add({
    method: 'GET',
    path: '/api/console/views',
    tag: 'console',
    summary: 'Console views that loaded plugins enabled for the global scope or a domain contribute: plugin, id, title (Accept-Language, and every language), script URL',
    response: {
      type: 'array',
      items: {
        type: 'object',
        required: ['pluginId', 'id', 'title', 'titles', 'script'],
        properties: {
          pluginId: { type: 'string' },
          id: { type: 'string' },
          title: { type: 'string' },
          titles: { type: 'object', required: ['en'], properties: { en: { type: 'string' }, fr: { type: 'string' }, de: { type: 'string' } } },
          script: { type: 'string' },
        },
      },
    },
    handle: ({ app, lang }) => consoleViews(app, lang),
  });
};
