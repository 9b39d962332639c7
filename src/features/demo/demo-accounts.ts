/** A demo account's address: "Émilie Brun" → emilie.brun@ac-demo.fr (the seed's and the living demo's). */
export function demoEmail(firstName: string, lastName: string): string {
  return `${firstName}.${lastName}@ac-demo.fr`.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '');
}
