import type { Agent } from './agent.js';
import type { BenchData } from '../bench/generate.js';

/** The pages whose queries the plan tests check on each engine: every list tab, the search, a ticket, the console, the form. */
export function planPages(data: BenchData, requester: Agent, manager: Agent, agent: Agent): Array<[string, Agent, string]> {
  return [
    ...['ouverts', 'attente', 'beneficiaire', 'partages'].map((tab): [string, Agent, string] => [`Tickets en cours › ${tab}`, requester, `/assistance/tickets/en-cours?onglet=${tab}`]),
    ...['resolus', 'fermes', 'partages'].map((tab): [string, Agent, string] => [`Tickets traités › ${tab}`, requester, `/assistance/tickets/traites?onglet=${tab}`]),
    ['Partagés of the large establishment', manager, '/assistance/tickets/en-cours?onglet=partages'],
    ['sorted by priority, filtered', manager, '/assistance/tickets/en-cours?onglet=partages&tri=priority&q=webmail'],
    ['page 5', manager, '/assistance/tickets/traites?onglet=partages&page=5'],
    ...['mes_tickets', 'a_prendre', 'equipe'].map((tab): [string, Agent, string] => [`agent › ${tab}`, agent, `/agent/tickets/en-cours?onglet=${tab}`]),
    ...['par_moi', 'equipe'].map((tab): [string, Agent, string] => [`agent résolus › ${tab}`, agent, `/agent/tickets/resolus?onglet=${tab}`]),
    ['keyword search', requester, '/assistance/recherche?q=webmail'],
    ['keyword search, accents', requester, '/assistance/recherche?q=acces'],
    ['ticket page', requester, `/assistance/tickets/${data.richTicketRef}`],
    ['agent console', agent, '/agent/tickets/R-000002'],
    ['form with the duplicate hint', requester, `/assistance/tickets/nouveau?sous_categorie=${data.subcategoryId}&type=incident`],
  ];
}
