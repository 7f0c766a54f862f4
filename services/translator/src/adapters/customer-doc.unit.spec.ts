import { emptyCustomer, type CustomerReplica, type ParkedMail } from '../domain/translator-state';
import { customerDoc } from './translator-store';

const parked = (mailId: string, factAt?: number): ParkedMail => ({
  mailId,
  kind: 'order-confirmation',
  orderId: mailId,
  parkedAt: 1,
  factAt,
  cause: { eventId: 'e', correlationId: 'c' },
});
const known: CustomerReplica = { ...emptyCustomer('c-1'), email: 'ada@example.test' };

describe('the stored customer tells the sweep where to look', () => {
  test('a known customer with parked mails: the earliest fact time among them', () => {
    const doc = customerDoc({ ...known, parked: [parked('b', 30), parked('a', 20), parked('legacy')] });
    expect(doc).toMatchObject({ _id: 'c-1', releasableFactAt: 20 });
  });

  test.each<[string, CustomerReplica]>([
    [
      'an unknown customer (its mails wait for the registration, not for the sweep)',
      { ...emptyCustomer('c-1'), parked: [parked('a', 20)] },
    ],
    ['a known customer with nothing parked', known],
    [
      'a known customer whose parked mails predate factAt (the legacy query finds those)',
      { ...known, parked: [parked('a')] },
    ],
  ])('%s: no field at all', (_name, customer) => {
    expect('releasableFactAt' in customerDoc(customer)).toBe(false);
  });
});
